import Foundation

/// A numeric cell written with exactly this text, as Excel and xlsxwriter write doubles.
struct NumberText { var text: String; init(_ text: String) { self.text = text } }

/// A minimal one-sheet .xlsx (stored zip entries, inline strings) for rows that real
/// exports should never have: bad amounts, missing columns, aliases.
enum ExportWorkbook {
    /// Writes the workbook to a temporary file, calls `body` with its path and removes it.
    /// `rows[0]` is the header. A cell is a string (inline text) or a number (`Double` or
    /// `Int` written as a numeric cell), or nil for no cell.
    static func withFile<T>(_ rows: [[Any?]], _ body: (String) throws -> T) throws -> T {
        let path = try write(rows)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try body(path)
    }

    private static func write(_ rows: [[Any?]]) throws -> String {
        var sheet = #"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#
        for row in rows {
            sheet += "<row>"
            for cell in row {
                switch cell {
                case let text as String: sheet += #"<c t="inlineStr"><is><t>\#(escape(text))</t></is></c>"#
                case let number as NumberText: sheet += "<c><v>\(number.text)</v></c>"
                case let number as Double: sheet += "<c><v>\(number)</v></c>"
                case let number as Int: sheet += "<c><v>\(number)</v></c>"
                default: sheet += "<c/>"
                }
            }
            sheet += "</row>"
        }
        sheet += "</sheetData></worksheet>"
        let parts: [(String, String)] = [
            ("xl/workbook.xml", #"<workbook xmlns:r="r"><sheets><sheet name="S" r:id="rId1"/></sheets></workbook>"#),
            ("xl/_rels/workbook.xml.rels", #"<Relationships><Relationship Id="rId1" Type="t/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#),
            ("xl/worksheets/sheet1.xml", sheet),
        ]
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString).xlsx")
        try Data(storedZip(parts.map { ($0.0, Array($0.1.utf8)) })).write(to: url)
        return url.path
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    }

    private static func storedZip(_ entries: [(String, [UInt8])]) -> [UInt8] {
        var file: [UInt8] = []
        var directory: [UInt8] = []
        for (name, data) in entries {
            let nameBytes = Array(name.utf8)
            let crc = crc32(data)
            let offset = UInt32(file.count)
            file += le32(0x0403_4B50) + le16(20) + le16(0) + le16(0) + le32(0) + le32(crc)
            file += le32(UInt32(data.count)) + le32(UInt32(data.count)) + le16(UInt16(nameBytes.count)) + le16(0) + nameBytes + data
            directory += le32(0x0201_4B50) + le16(20) + le16(20) + le16(0) + le16(0) + le32(0) + le32(crc)
            directory += le32(UInt32(data.count)) + le32(UInt32(data.count)) + le16(UInt16(nameBytes.count))
            directory += le16(0) + le16(0) + le16(0) + le16(0) + le32(0) + le32(offset) + nameBytes
        }
        let directoryOffset = UInt32(file.count)
        return file + directory + le32(0x0605_4B50) + le32(0) + le16(UInt16(entries.count)) + le16(UInt16(entries.count))
            + le32(UInt32(directory.count)) + le32(directoryOffset) + le16(0)
    }

    private static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    private static func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
    private static func le32(_ value: UInt32) -> [UInt8] { le16(UInt16(value & 0xFFFF)) + le16(UInt16(value >> 16)) }
}
