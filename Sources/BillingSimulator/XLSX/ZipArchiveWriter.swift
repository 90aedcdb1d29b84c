/// Writes a zip archive into memory: deflated entries, local headers, central directory.
///
/// Entries are streamed: the local header is written with zero sizes and patched once
/// the entry ends, so no data descriptor is needed and every reader is happy. Sizes
/// above 4 GiB (zip64) are out of scope for the simulator and trap.
struct ZipArchiveWriter {
    private struct CentralEntry {
        var name: [UInt8]
        var crc: UInt32
        var compressedSize: UInt32
        var uncompressedSize: UInt32
        var localHeaderOffset: UInt32
    }

    private struct OpenEntry {
        var name: [UInt8]
        var localHeaderOffset: Int
        var dataOffset: Int
        var crc: UInt32 = 0
        var uncompressedSize = 0
        let deflater = RawDeflater()
    }

    // 2025-01-01 00:00 in MS-DOS format: a fixed stamp keeps archives byte-identical.
    private static let dosTime: UInt16 = 0
    private static let dosDate: UInt16 = UInt16((2025 - 1980) << 9 | 1 << 5 | 1)
    // Bit 11: names are UTF-8.
    private static let flags: UInt16 = 0x0800
    private static let deflated: UInt16 = 8
    private static let versionNeeded: UInt16 = 20

    private(set) var bytes: [UInt8] = []
    private var entries: [CentralEntry] = []
    private var open: OpenEntry?

    mutating func addEntry(named name: String, contents: [UInt8]) {
        beginEntry(named: name)
        write(contents)
        endEntry()
    }

    mutating func beginEntry(named name: String) {
        precondition(open == nil, "zip entry begun while another is open")
        let nameBytes = Array(name.utf8)
        let headerOffset = bytes.count
        append32(0x0403_4b50)
        append16(Self.versionNeeded)
        append16(Self.flags)
        append16(Self.deflated)
        append16(Self.dosTime)
        append16(Self.dosDate)
        append32(0)  // crc, patched in endEntry
        append32(0)  // compressed size, patched
        append32(0)  // uncompressed size, patched
        append16(UInt16(nameBytes.count))
        append16(0)  // extra field length
        bytes.append(contentsOf: nameBytes)
        open = OpenEntry(name: nameBytes, localHeaderOffset: headerOffset, dataOffset: bytes.count)
    }

    mutating func write(_ chunk: [UInt8]) {
        guard var entry = open else { preconditionFailure("zip write without an open entry") }
        chunk.withUnsafeBytes { raw in
            entry.crc = CRC32.update(entry.crc, raw)
            entry.deflater.compress(raw, into: &bytes)
        }
        entry.uncompressedSize += chunk.count
        open = entry
    }

    mutating func endEntry() {
        guard let entry = open else { preconditionFailure("zip endEntry without an open entry") }
        open = nil
        entry.deflater.finish(into: &bytes)
        let compressedSize = bytes.count - entry.dataOffset
        precondition(compressedSize < Int(UInt32.max) && entry.uncompressedSize < Int(UInt32.max),
                     "zip entry too large for a non-zip64 archive")
        patch32(at: entry.localHeaderOffset + 14, entry.crc)
        patch32(at: entry.localHeaderOffset + 18, UInt32(compressedSize))
        patch32(at: entry.localHeaderOffset + 22, UInt32(entry.uncompressedSize))
        entries.append(CentralEntry(name: entry.name, crc: entry.crc,
                                    compressedSize: UInt32(compressedSize),
                                    uncompressedSize: UInt32(entry.uncompressedSize),
                                    localHeaderOffset: UInt32(entry.localHeaderOffset)))
    }

    /// Appends the central directory and its end record; returns the finished archive.
    consuming func finish() -> [UInt8] {
        precondition(open == nil, "zip finished with an entry still open")
        let directoryOffset = bytes.count
        for entry in entries {
            append32(0x0201_4b50)
            append16(Self.versionNeeded)  // version made by: MS-DOS attributes
            append16(Self.versionNeeded)
            append16(Self.flags)
            append16(Self.deflated)
            append16(Self.dosTime)
            append16(Self.dosDate)
            append32(entry.crc)
            append32(entry.compressedSize)
            append32(entry.uncompressedSize)
            append16(UInt16(entry.name.count))
            append16(0)  // extra field length
            append16(0)  // comment length
            append16(0)  // disk number start
            append16(0)  // internal attributes
            append32(0)  // external attributes
            append32(entry.localHeaderOffset)
            bytes.append(contentsOf: entry.name)
        }
        let directorySize = bytes.count - directoryOffset
        append32(0x0605_4b50)
        append16(0)  // this disk
        append16(0)  // disk with the central directory
        append16(UInt16(entries.count))
        append16(UInt16(entries.count))
        append32(UInt32(directorySize))
        append32(UInt32(directoryOffset))
        append16(0)  // comment length
        return bytes
    }

    private mutating func append16(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
    }

    private mutating func append32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) }
    }

    private mutating func patch32(at offset: Int, _ value: UInt32) {
        for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
    }
}
