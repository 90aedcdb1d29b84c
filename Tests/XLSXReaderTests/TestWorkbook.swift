import CZlib
import Foundation

/// Builds small .xlsx (zip) files byte by byte, so tests can make the malformed and
/// hostile workbooks no real writer would produce.
struct TestZipEntry {
    var name: String
    var data: [UInt8]
    var deflate = true
    /// Overrides the CRC-32 written to the headers (to simulate corruption).
    var declaredCRC: UInt32? = nil
    /// Overrides the uncompressed size written to the headers (to simulate a lying header).
    var declaredSize: UInt32? = nil
    /// Written instead of the deflated `data` (to simulate a cut-off stream).
    var rawPayload: [UInt8]? = nil
}

enum TestZip {
    /// `zip64` writes every size and offset through zip64 extra fields and records, as
    /// writers do for files over 4 GiB.
    static func build(_ entries: [TestZipEntry], zip64: Bool = false) -> [UInt8] {
        var file: [UInt8] = []
        var directory: [UInt8] = []
        for entry in entries {
            let payload = entry.rawPayload ?? (entry.deflate ? rawDeflate(entry.data) : entry.data)
            let crc = entry.declaredCRC ?? entry.data.withUnsafeBufferPointer {
                UInt32(crc32(0, $0.baseAddress, UInt32($0.count)))
            }
            let size = entry.declaredSize ?? UInt32(entry.data.count)
            let name = Array(entry.name.utf8)
            let offset = UInt32(file.count)
            file += le32(0x0403_4B50) + le16(20) + le16(0) + le16(entry.deflate ? 8 : 0) + le16(0) + le16(0)
            file += le32(crc) + le32(UInt32(payload.count)) + le32(size) + le16(UInt16(name.count)) + le16(0) + name
            file += payload
            let saturated: UInt32 = 0xFFFF_FFFF
            let extra = zip64 ? le16(1) + le16(24) + le64(UInt64(size)) + le64(UInt64(payload.count)) + le64(UInt64(offset)) : []
            directory += le32(0x0201_4B50) + le16(45) + le16(45) + le16(0) + le16(entry.deflate ? 8 : 0)
            directory += le16(0) + le16(0) + le32(crc) + le32(zip64 ? saturated : UInt32(payload.count)) + le32(zip64 ? saturated : size)
            directory += le16(UInt16(name.count)) + le16(UInt16(extra.count)) + le16(0) + le16(0) + le16(0) + le32(0)
            directory += le32(zip64 ? saturated : offset) + name + extra
        }
        let directoryOffset = UInt32(file.count)
        file += directory
        if zip64 {
            let recordOffset = UInt64(file.count)
            file += le32(0x0606_4B50) + le64(44) + le16(45) + le16(45) + le32(0) + le32(0)
            file += le64(UInt64(entries.count)) + le64(UInt64(entries.count)) + le64(UInt64(directory.count)) + le64(UInt64(directoryOffset))
            file += le32(0x0706_4B50) + le32(0) + le64(recordOffset) + le32(1)
            file += le32(0x0605_4B50) + le16(0) + le16(0) + le16(0xFFFF) + le16(0xFFFF) + le32(0xFFFF_FFFF) + le32(0xFFFF_FFFF) + le16(0)
            return file
        }
        file += le32(0x0605_4B50) + le16(0) + le16(0) + le16(UInt16(entries.count)) + le16(UInt16(entries.count))
        file += le32(UInt32(directory.count)) + le32(directoryOffset) + le16(0)
        return file
    }

    static func rawDeflate(_ data: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        deflateInit2_(&stream, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(data.count))) + 64)
        var input = data
        let produced = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = inBuffer.baseAddress
                stream.avail_in = UInt32(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = UInt32(outBuffer.count)
                deflate(&stream, Z_FINISH)
                return outBuffer.count - Int(stream.avail_out)
            }
        }
        deflateEnd(&stream)
        return Array(output.prefix(produced))
    }

    private static func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
    private static func le32(_ value: UInt32) -> [UInt8] { le16(UInt16(value & 0xFFFF)) + le16(UInt16(value >> 16)) }
    private static func le64(_ value: UInt64) -> [UInt8] { le32(UInt32(value & 0xFFFF_FFFF)) + le32(UInt32(value >> 32)) }
}

enum TestWorkbook {
    static let mainNamespace = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

    /// The parts of a one-sheet workbook; `sheetData` is the XML inside `<sheetData>`.
    static func entries(sheetData: String, sharedStrings: [String]? = nil,
                        sheetPrefix: String = "", sheetTarget: String = "worksheets/sheet1.xml",
                        sheetXML: String? = nil) -> [TestZipEntry] {
        let p = sheetPrefix.isEmpty ? "" : sheetPrefix + ":"
        let ns = sheetPrefix.isEmpty ? "xmlns" : "xmlns:" + sheetPrefix
        let sheet = sheetXML ?? #"<?xml version="1.0" encoding="UTF-8"?><\#(p)worksheet \#(ns)="\#(mainNamespace)"><\#(p)sheetData>\#(sheetData)</\#(p)sheetData></\#(p)worksheet>"#
        var entries = [
            TestZipEntry(name: "[Content_Types].xml", data: Array("<Types/>".utf8)),
            TestZipEntry(name: "xl/workbook.xml", data: Array(#"<workbook xmlns="\#(mainNamespace)" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>"#.utf8)),
            TestZipEntry(name: "xl/_rels/workbook.xml.rels", data: Array(#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="\#(sheetTarget)"/></Relationships>"#.utf8)),
            TestZipEntry(name: "xl/worksheets/sheet1.xml", data: Array(sheet.utf8)),
        ]
        if let sharedStrings {
            let items = sharedStrings.map { "<si>\($0)</si>" }.joined()
            entries.append(TestZipEntry(name: "xl/sharedStrings.xml", data: Array(#"<sst xmlns="\#(mainNamespace)">\#(items)</sst>"#.utf8)))
        }
        return entries
    }

    static func write(_ bytes: [UInt8], name: String = "book.xlsx") throws -> String {
        let url = runDirectory.appendingPathComponent("\(UUID().uuidString)-\(name)")
        try Data(bytes).write(to: url)
        return url.path
    }

    /// One folder per test process. Swift Testing has no run-level teardown, so each run
    /// removes what runs older than an hour left behind instead of letting /tmp fill up.
    static let runDirectory: URL = {
        let files = FileManager.default
        let temporary = files.temporaryDirectory
        let staleBefore = Date().addingTimeInterval(-3600)
        for name in (try? files.contentsOfDirectory(atPath: temporary.path)) ?? [] where name.hasPrefix("xlsx-tests-") {
            let path = temporary.appendingPathComponent(name).path
            if let modified = try? files.attributesOfItem(atPath: path)[.modificationDate] as? Date, modified < staleBefore {
                try? files.removeItem(atPath: path)
            }
        }
        let directory = temporary.appendingPathComponent("xlsx-tests-\(getpid())-\(UUID().uuidString)")
        try? files.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }()

    static func write(sheetData: String, sharedStrings: [String]? = nil) throws -> String {
        try write(TestZip.build(entries(sheetData: sheetData, sharedStrings: sharedStrings)))
    }
}
