import CISAL
import CZlib

/// Which library inflates deflated entries. ISA-L is the reader's engine; zlib stays
/// available as the reference floor the benchmark compares against.
public enum InflateEngine: String, Sendable, CaseIterable {
    case isal
    case zlib
}

/// One raw-deflate stream (zip method 8) being inflated, with the CRC-32 of its output.
protocol RawInflater: AnyObject {
    /// True once the input handed in so far has all been consumed.
    var needsInput: Bool { get }
    func supply(_ input: UnsafeMutablePointer<UInt8>, count: Int)
    /// Inflates into `destination`; `ended` is true at the stream's end marker,
    /// `stalled` when the call neither consumed input nor produced output.
    func inflate(into destination: UnsafeMutablePointer<UInt8>, capacity: Int) throws(XLSXError) -> InflateStep
    /// CRC-32 of every byte produced so far.
    var crc32: UInt32 { get }
}

struct InflateStep {
    var produced: Int
    var ended: Bool
    var stalled: Bool
}

func makeRawInflater(_ engine: InflateEngine, part: String) throws(XLSXError) -> any RawInflater {
    switch engine {
    case .isal: return IsalInflater(part: part)
    case .zlib: return try ZlibInflater(part: part)
    }
}

/// ISA-L keeps the CRC itself while inflating (crc_flag gzip-without-header), so the
/// output is not read a second time.
final class IsalInflater: RawInflater {
    private let state = UnsafeMutablePointer<inflate_state>.allocate(capacity: 1)
    private let part: String

    init(part: String) {
        self.part = part
        isal_inflate_init(state)
        state.pointee.crc_flag = UInt32(ISAL_GZIP_NO_HDR)
    }

    deinit { state.deallocate() }

    var needsInput: Bool { state.pointee.avail_in == 0 }
    var crc32: UInt32 { state.pointee.crc }

    func supply(_ input: UnsafeMutablePointer<UInt8>, count: Int) {
        state.pointee.next_in = input
        state.pointee.avail_in = UInt32(count)
    }

    func inflate(into destination: UnsafeMutablePointer<UInt8>, capacity: Int) throws(XLSXError) -> InflateStep {
        state.pointee.next_out = destination
        state.pointee.avail_out = UInt32(min(capacity, Int(UInt32.max)))
        let inputBefore = state.pointee.avail_in
        let status = isal_inflate(state)
        guard status >= 0 else {
            throw .corruptDeflate(part: part, detail: "ISA-L inflate status \(status)")
        }
        let produced = capacity - Int(state.pointee.avail_out)
        return InflateStep(produced: produced, ended: state.pointee.block_state == ISAL_BLOCK_FINISH,
                           stalled: produced == 0 && state.pointee.avail_in == inputBefore)
    }
}

final class ZlibInflater: RawInflater {
    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    private let part: String
    private var crc: UInt = 0

    init(part: String) throws(XLSXError) {
        self.part = part
        stream.initialize(to: z_stream())
        let status = inflateInit2_(stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deallocate()
            throw .corruptDeflate(part: part, detail: "inflateInit2 failed (\(status))")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    var needsInput: Bool { stream.pointee.avail_in == 0 }
    var crc32: UInt32 { UInt32(truncatingIfNeeded: crc) }

    func supply(_ input: UnsafeMutablePointer<UInt8>, count: Int) {
        stream.pointee.next_in = input
        stream.pointee.avail_in = UInt32(count)
    }

    func inflate(into destination: UnsafeMutablePointer<UInt8>, capacity: Int) throws(XLSXError) -> InflateStep {
        stream.pointee.next_out = destination
        stream.pointee.avail_out = UInt32(min(capacity, Int(UInt32.max)))
        let inputBefore = stream.pointee.avail_in
        let status = CZlib.inflate(stream, Z_NO_FLUSH)
        guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
            let message = stream.pointee.msg.map { String(cString: $0) } ?? "zlib status \(status)"
            throw .corruptDeflate(part: part, detail: message)
        }
        let produced = capacity - Int(stream.pointee.avail_out)
        if produced > 0 { crc = CZlib.crc32(crc, destination, UInt32(produced)) }
        return InflateStep(produced: produced, ended: status == Z_STREAM_END,
                           stalled: produced == 0 && stream.pointee.avail_in == inputBefore)
    }
}
