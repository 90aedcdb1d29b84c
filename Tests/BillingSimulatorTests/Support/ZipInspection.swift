import CZlib
import Testing

/// Reads a zip by its central directory and checks every entry against zlib's CRC-32.
struct ZipInspection {
    struct Entry {
        var name: String
        var crc: UInt32
        var contents: [UInt8]
    }

    enum Problem: Error, CustomStringConvertible {
        case malformed(String)
        case crcMismatch(entry: String, recorded: UInt32, computed: UInt32)
        case inflateFailed(entry: String, status: Int32)

        var description: String {
            switch self {
            case .malformed(let what): "malformed zip: \(what)"
            case .crcMismatch(let entry, let recorded, let computed):
                "entry \(entry): central directory CRC \(recorded), contents give \(computed)"
            case .inflateFailed(let entry, let status): "entry \(entry): inflate failed with zlib status \(status)"
            }
        }
    }

    let entries: [Entry]

    init(_ bytes: [UInt8]) throws {
        func u16(_ at: Int) throws -> Int {
            guard at + 2 <= bytes.count else { throw Problem.malformed("read past end at \(at)") }
            return Int(bytes[at]) | Int(bytes[at + 1]) << 8
        }
        func u32(_ at: Int) throws -> UInt32 {
            guard at + 4 <= bytes.count else { throw Problem.malformed("read past end at \(at)") }
            return (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[at + $1]) << (8 * $1) }
        }
        let end = bytes.count - 22
        guard end >= 0, try u32(end) == 0x0605_4b50 else { throw Problem.malformed("no end-of-central-directory record") }
        let count = try u16(end + 10)
        var offset = Int(try u32(end + 16))
        var entries: [Entry] = []
        for _ in 0..<count {
            guard try u32(offset) == 0x0201_4b50 else { throw Problem.malformed("bad central header at \(offset)") }
            let method = try u16(offset + 10)
            let crc = try u32(offset + 16)
            let compressed = Int(try u32(offset + 20))
            let uncompressed = Int(try u32(offset + 24))
            let nameLength = try u16(offset + 28)
            let extra = try u16(offset + 30), comment = try u16(offset + 32)
            let local = Int(try u32(offset + 42))
            let name = String(decoding: bytes[(offset + 46)..<(offset + 46 + nameLength)], as: UTF8.self)
            guard try u32(local) == 0x0403_4b50, try u32(local + 14) == crc,
                  Int(try u32(local + 18)) == compressed, Int(try u32(local + 22)) == uncompressed
            else { throw Problem.malformed("local header of \(name) disagrees with the central directory") }
            let dataStart = local + 30 + (try u16(local + 26)) + (try u16(local + 28))
            guard method == 8, dataStart + compressed <= bytes.count else {
                throw Problem.malformed("entry \(name): method \(method) or data out of bounds")
            }
            let contents = try Self.inflate(Array(bytes[dataStart..<(dataStart + compressed)]),
                                            expected: uncompressed, entry: name)
            let computed = contents.withUnsafeBufferPointer {
                UInt32(crc32(0, $0.baseAddress, uInt($0.count)))
            }
            guard computed == crc else { throw Problem.crcMismatch(entry: name, recorded: crc, computed: computed) }
            entries.append(Entry(name: name, crc: crc, contents: contents))
            offset += 46 + nameLength + extra + comment
        }
        self.entries = entries
    }

    func contents(of name: String) -> [UInt8]? { entries.first { $0.name == name }?.contents }

    private static func inflate(_ input: [UInt8], expected: Int, entry: String) throws -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Problem.inflateFailed(entry: entry, status: -1)
        }
        defer { inflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: expected + 1)
        var input = input
        let status = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = inBuffer.baseAddress
                stream.avail_in = uInt(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = uInt(outBuffer.count)
                return CZlib.inflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END, Int(stream.total_out) == expected else {
            throw Problem.inflateFailed(entry: entry, status: status)
        }
        return Array(output[0..<expected])
    }
}
