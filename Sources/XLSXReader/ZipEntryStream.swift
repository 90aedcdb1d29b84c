import CZlib

/// Streams one entry's uncompressed bytes in chunks, enforcing the size and ratio caps
/// while inflating (headers can lie) and checking the CRC-32 at the end.
final class ZipEntryStream {
    private let archive: ZipArchive
    private let entry: ZipEntry
    private let limits: XLSXLimits
    private var inputOffset: UInt64
    private var inputRemaining: UInt64
    private let inputBuffer: UnsafeMutableRawBufferPointer
    private var stream = z_stream()
    private var inflating = false
    private var finished = false
    private(set) var producedBytes: UInt64 = 0
    private var crc: UInt = 0

    init(archive: ZipArchive, entry: ZipEntry, limits: XLSXLimits) throws(XLSXError) {
        guard entry.flags & 1 == 0 else { throw .encryptedEntry(part: entry.name) }
        guard entry.method == 0 || entry.method == 8 else {
            throw .unsupportedCompression(part: entry.name, method: entry.method)
        }
        guard entry.uncompressedSize <= limits.maxUncompressedEntryBytes else {
            throw .entryTooLarge(part: entry.name, bytes: entry.uncompressedSize, limit: limits.maxUncompressedEntryBytes)
        }
        if entry.uncompressedSize > limits.ratioCheckFloorBytes {
            let ratio = entry.uncompressedSize / max(entry.compressedSize, 1)
            guard ratio <= limits.maxCompressionRatio else {
                throw .compressionRatioTooHigh(part: entry.name, ratio: ratio, limit: limits.maxCompressionRatio)
            }
        }
        self.archive = archive
        self.entry = entry
        self.limits = limits
        inputOffset = try archive.dataOffset(of: entry)
        inputRemaining = entry.compressedSize
        inputBuffer = .allocate(byteCount: 128 << 10, alignment: 16)
        if entry.method == 8 {
            let status = inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
            guard status == Z_OK else {
                inputBuffer.deallocate()
                throw .corruptDeflate(part: entry.name, detail: "inflateInit2 failed (\(status))")
            }
            inflating = true
        }
    }

    deinit {
        if inflating { inflateEnd(&stream) }
        inputBuffer.deallocate()
    }

    /// Fills up to `capacity` bytes at `destination`; returns 0 only at the end of the entry.
    func read(into destination: UnsafeMutablePointer<UInt8>, capacity: Int) throws(XLSXError) -> Int {
        if finished || capacity == 0 { return 0 }
        let produced = entry.method == 0
            ? try readStored(into: destination, capacity: capacity)
            : try readDeflated(into: destination, capacity: capacity)
        if produced > 0 {
            producedBytes += UInt64(produced)
            try enforceLimits()
            crc = crc32(crc, destination, UInt32(produced))
        }
        if produced == 0 || finished { try finish() }
        return produced
    }

    private func readStored(into destination: UnsafeMutablePointer<UInt8>, capacity: Int) throws(XLSXError) -> Int {
        let count = Int(min(UInt64(capacity), inputRemaining))
        if count == 0 { finished = true; return 0 }
        try archive.read(at: inputOffset, count: count, into: destination)
        inputOffset += UInt64(count)
        inputRemaining -= UInt64(count)
        if inputRemaining == 0 { finished = true }
        return count
    }

    private func readDeflated(into destination: UnsafeMutablePointer<UInt8>, capacity: Int) throws(XLSXError) -> Int {
        stream.next_out = destination
        stream.avail_out = UInt32(min(capacity, Int(UInt32.max)))
        while stream.avail_out > 0 {
            if stream.avail_in == 0, inputRemaining > 0 {
                let count = Int(min(UInt64(inputBuffer.count), inputRemaining))
                try archive.read(at: inputOffset, count: count, into: inputBuffer.baseAddress!)
                inputOffset += UInt64(count)
                inputRemaining -= UInt64(count)
                stream.next_in = inputBuffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
                stream.avail_in = UInt32(count)
            }
            let status = inflate(&stream, Z_NO_FLUSH)
            if status == Z_STREAM_END { finished = true; break }
            if status == Z_BUF_ERROR, stream.avail_in == 0, inputRemaining == 0 {
                throw .truncated(path: archive.path, detail: "deflate data of \(entry.name) ends before its end marker")
            }
            guard status == Z_OK || status == Z_BUF_ERROR else {
                let message = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                throw .corruptDeflate(part: entry.name, detail: message)
            }
        }
        return capacity - Int(stream.avail_out)
    }

    private func enforceLimits() throws(XLSXError) {
        if producedBytes > entry.uncompressedSize {
            throw .sizeMismatch(part: entry.name, declared: entry.uncompressedSize, actual: producedBytes)
        }
        if producedBytes > limits.maxUncompressedEntryBytes {
            throw .entryTooLarge(part: entry.name, bytes: producedBytes, limit: limits.maxUncompressedEntryBytes)
        }
    }

    private func finish() throws(XLSXError) {
        finished = true
        guard producedBytes == entry.uncompressedSize else {
            throw .sizeMismatch(part: entry.name, declared: entry.uncompressedSize, actual: producedBytes)
        }
        guard UInt32(truncatingIfNeeded: crc) == entry.crc32 else {
            throw .crcMismatch(part: entry.name, declared: entry.crc32, computed: UInt32(truncatingIfNeeded: crc))
        }
    }

    /// The whole entry as bytes; only for small parts, capped by `limit`.
    static func readAll(archive: ZipArchive, entry: ZipEntry, limits: XLSXLimits, limit: Int) throws(XLSXError) -> [UInt8] {
        guard entry.uncompressedSize <= UInt64(limit) else {
            throw .entryTooLarge(part: entry.name, bytes: entry.uncompressedSize, limit: UInt64(limit))
        }
        let stream = try ZipEntryStream(archive: archive, entry: entry, limits: limits)
        var bytes = [UInt8](repeating: 0, count: Int(entry.uncompressedSize) + 1)
        var filled = 0
        while true {
            let got = try bytes.withUnsafeMutableBufferPointer { (buffer) throws(XLSXError) -> Int in
                try stream.read(into: buffer.baseAddress! + filled, capacity: buffer.count - filled)
            }
            if got == 0 { break }
            filled += got
        }
        bytes.removeLast(bytes.count - filled)
        return bytes
    }
}
