#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One file inside the zip, as its central directory describes it.
struct ZipEntry: Sendable {
    var name: String
    var method: UInt16
    var flags: UInt16
    var crc32: UInt32
    var compressedSize: UInt64
    var uncompressedSize: UInt64
    var localHeaderOffset: UInt64
}

/// A zip archive read through `pread`: only the central directory is kept in memory,
/// entries are streamed by `ZipEntryStream`.
final class ZipArchive {
    let path: String
    let fileDescriptor: Int32
    let fileSize: UInt64
    private(set) var entries: [String: ZipEntry] = [:]

    init(path: String) throws(XLSXError) {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw .cannotOpen(path: path, errno: errno) }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            let code = errno
            close(fd)
            throw .cannotOpen(path: path, errno: code)
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw .cannotOpen(path: path, errno: status.st_mode & S_IFMT == S_IFDIR ? EISDIR : EINVAL)
        }
        fileDescriptor = fd
        fileSize = UInt64(status.st_size)
        do throws(XLSXError) {
            try sniffSignature()
            try readCentralDirectory()
        } catch {
            close(fd)
            throw error
        }
    }

    deinit { close(fileDescriptor) }

    func entry(named name: String) -> ZipEntry? { entries[name] }

    /// The entry holding OPC part `name`: part names compare as case-insensitive ASCII, and
    /// some Windows zip writers store `xl\workbook.xml` for `xl/workbook.xml`. The exact
    /// name is tried first, so well-formed files never pay for the scan.
    func entry(forPart name: String) -> ZipEntry? {
        if let exact = entries[name] { return exact }
        let wanted = Self.partKey(name)
        return entries.values.filter { Self.partKey($0.name) == wanted }.min { $0.localHeaderOffset < $1.localHeaderOffset }
    }

    static func partKey(_ name: String) -> String {
        var bytes = Array(name.utf8)
        for index in bytes.indices {
            if bytes[index] == UInt8(ascii: "\\") { bytes[index] = UInt8(ascii: "/") }
            if (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(bytes[index]) { bytes[index] += 32 }
        }
        let trimmed = bytes.drop { $0 == UInt8(ascii: "/") }
        return String(decoding: trimmed, as: UTF8.self)
    }

    /// Reads exactly `count` bytes at `offset`, or fails as truncated.
    func read(at offset: UInt64, count: Int, into buffer: UnsafeMutableRawPointer) throws(XLSXError) {
        var done = 0
        while done < count {
            let got = pread(fileDescriptor, buffer + done, count - done, off_t(offset) + off_t(done))
            if got < 0, errno == EINTR { continue }
            guard got > 0 else {
                throw .truncated(path: path, detail: "expected \(count) bytes at offset \(offset), file has \(fileSize)")
            }
            done += got
        }
    }

    func readBytes(at offset: UInt64, count: Int) throws(XLSXError) -> [UInt8] {
        guard offset + UInt64(count) <= fileSize else {
            throw .truncated(path: path, detail: "expected \(count) bytes at offset \(offset), file has \(fileSize)")
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 1)
        defer { buffer.deallocate() }
        try read(at: offset, count: count, into: buffer.baseAddress!)
        return [UInt8](buffer.prefix(count))
    }

    /// Offset of an entry's data, past its local header.
    func dataOffset(of entry: ZipEntry) throws(XLSXError) -> UInt64 {
        let header = try readBytes(at: entry.localHeaderOffset, count: 30)
        guard header.le32(0) == 0x0403_4B50 else {
            throw .corruptArchive(path: path, detail: "no local header for \(entry.name) at offset \(entry.localHeaderOffset)")
        }
        let start = entry.localHeaderOffset + 30 + UInt64(header.le16(26)) + UInt64(header.le16(28))
        guard start + entry.compressedSize <= fileSize else {
            throw .truncated(path: path, detail: "entry \(entry.name) needs \(entry.compressedSize) bytes at offset \(start), file has \(fileSize)")
        }
        return start
    }

    private func sniffSignature() throws(XLSXError) {
        guard fileSize > 0 else { throw .emptyFile(path: path) }
        let head = try readBytes(at: 0, count: Int(min(fileSize, 512)))
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) || head.starts(with: [0x50, 0x4B, 0x05, 0x06]) { return }
        throw .notAZip(path: path, looksLike: Self.describe(head: head))
    }

    static func describe(head: [UInt8]) -> String {
        if head.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            return "an OLE compound file (a password-encrypted .xlsx or a legacy .xls workbook)"
        }
        let text = String(decoding: head.prefix(512), as: UTF8.self).lowercased()
        let trimmed = text.drop { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" || $0 == "\u{FEFF}" }
        if trimmed.hasPrefix("<!doctype html") || trimmed.hasPrefix("<html") || text.contains("<html") {
            return "an HTML page (an error or login page instead of the export?)"
        }
        if trimmed.hasPrefix("<?xml") || trimmed.hasPrefix("<") { return "an XML document" }
        if trimmed.hasPrefix("{") || trimmed.hasPrefix("[") { return "JSON text (an API error response?)" }
        let shown = head.prefix(8).map { byte in
            let digits = String(byte, radix: 16, uppercase: true)
            return digits.count == 1 ? "0" + digits : digits
        }
        return "unknown data starting with bytes \(shown.joined(separator: " "))"
    }

    private func readCentralDirectory() throws(XLSXError) {
        let tailLength = Int(min(fileSize, 22 + 65_535 + 20))
        let tailStart = fileSize - UInt64(tailLength)
        let tail = try readBytes(at: tailStart, count: tailLength)
        var eocd = -1
        var index = tailLength - 22
        while index >= 0 {
            if tail.le32(index) == 0x0605_4B50 { eocd = index; break }
            index -= 1
        }
        guard eocd >= 0 else {
            throw .truncated(path: path, detail: "no end-of-central-directory record (the download may have been cut short)")
        }
        var entryCount = UInt64(tail.le16(eocd + 10))
        var directorySize = UInt64(tail.le32(eocd + 12))
        var directoryOffset = UInt64(tail.le32(eocd + 16))
        if entryCount == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            // zip64: the locator sits just before the classic record.
            guard eocd >= 20, tail.le32(eocd - 20) == 0x0706_4B50 else {
                throw .corruptArchive(path: path, detail: "zip64 sizes without a zip64 locator")
            }
            let recordOffset = tail.le64(eocd - 12)
            let record = try readBytes(at: recordOffset, count: 56)
            guard record.le32(0) == 0x0606_4B50 else {
                throw .corruptArchive(path: path, detail: "no zip64 end-of-central-directory record at \(recordOffset)")
            }
            entryCount = record.le64(32)
            directorySize = record.le64(40)
            directoryOffset = record.le64(48)
        }
        guard directoryOffset + directorySize <= fileSize else {
            throw .truncated(path: path, detail: "central directory at \(directoryOffset)+\(directorySize) lies beyond the end (\(fileSize) bytes)")
        }
        guard directorySize <= 64 << 20 else {
            throw .corruptArchive(path: path, detail: "central directory of \(directorySize) bytes is implausibly large")
        }
        let directory = try readBytes(at: directoryOffset, count: Int(directorySize))
        var offset = 0
        for _ in 0..<entryCount {
            guard offset + 46 <= directory.count, directory.le32(offset) == 0x0201_4B50 else {
                throw .corruptArchive(path: path, detail: "bad central directory entry at offset \(offset)")
            }
            let nameLength = Int(directory.le16(offset + 28))
            let extraLength = Int(directory.le16(offset + 30))
            let commentLength = Int(directory.le16(offset + 32))
            guard offset + 46 + nameLength + extraLength + commentLength <= directory.count else {
                throw .corruptArchive(path: path, detail: "central directory entry overruns the directory")
            }
            var entry = ZipEntry(
                name: String(decoding: directory[(offset + 46)..<(offset + 46 + nameLength)], as: UTF8.self),
                method: directory.le16(offset + 10), flags: directory.le16(offset + 8),
                crc32: directory.le32(offset + 16),
                compressedSize: UInt64(directory.le32(offset + 20)),
                uncompressedSize: UInt64(directory.le32(offset + 24)),
                localHeaderOffset: UInt64(directory.le32(offset + 42)))
            applyZip64Extra(directory, from: offset + 46 + nameLength, length: extraLength, to: &entry)
            entries[entry.name] = entry
            offset += 46 + nameLength + extraLength + commentLength
        }
    }

    /// Fields saturated at 0xFFFFFFFF are given, in order, by the zip64 extra field.
    private func applyZip64Extra(_ bytes: [UInt8], from start: Int, length: Int, to entry: inout ZipEntry) {
        var offset = start
        while offset + 4 <= start + length {
            let id = bytes.le16(offset)
            let size = Int(bytes.le16(offset + 2))
            var field = offset + 4
            let end = min(field + size, start + length)
            if id == 0x0001 {
                if entry.uncompressedSize == 0xFFFF_FFFF, field + 8 <= end {
                    entry.uncompressedSize = bytes.le64(field); field += 8
                }
                if entry.compressedSize == 0xFFFF_FFFF, field + 8 <= end {
                    entry.compressedSize = bytes.le64(field); field += 8
                }
                if entry.localHeaderOffset == 0xFFFF_FFFF, field + 8 <= end {
                    entry.localHeaderOffset = bytes.le64(field)
                }
            }
            offset += 4 + size
        }
    }
}

extension [UInt8] {
    func le16(_ offset: Int) -> UInt16 { UInt16(self[offset]) | UInt16(self[offset + 1]) << 8 }
    func le32(_ offset: Int) -> UInt32 { UInt32(le16(offset)) | UInt32(le16(offset + 2)) << 16 }
    func le64(_ offset: Int) -> UInt64 { UInt64(le32(offset)) | UInt64(le32(offset + 4)) << 32 }
}
