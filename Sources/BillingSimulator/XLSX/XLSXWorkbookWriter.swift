/// One cell of a row: text becomes an inline string, integers a plain number.
public enum XLSXCell: Sendable, Hashable {
    case text(String)
    case integer(Int64)
    case empty
}

/// Writes a one-sheet .xlsx workbook into memory, streaming rows through deflate so
/// only the compressed file is ever held whole.
public struct XLSXWorkbookWriter {
    private var zip = ZipArchiveWriter()
    private var pending: [UInt8] = []
    private var rowNumber = 0
    private static let flushThreshold = 256 * 1024

    public init(sheetName: String) {
        for (name, text) in WorkbookParts.fixedParts(sheetName: sheetName) {
            zip.addEntry(named: name, contents: Array(text.utf8))
        }
        zip.beginEntry(named: "xl/worksheets/sheet1.xml")
        pending.append(contentsOf: WorkbookParts.sheetPrologue.utf8)
    }

    public mutating func appendRow(_ cells: [XLSXCell]) {
        rowNumber += 1
        let row = Array(String(rowNumber).utf8)
        pending.append(contentsOf: "<row r=\"".utf8)
        pending.append(contentsOf: row)
        pending.append(contentsOf: "\">".utf8)
        for (index, cell) in cells.enumerated() {
            if case .empty = cell { continue }
            pending.append(contentsOf: "<c r=\"".utf8)
            pending.append(contentsOf: Self.columnLetters(index))
            pending.append(contentsOf: row)
            switch cell {
            case .empty:
                continue
            case .integer(let value):
                pending.append(contentsOf: "\"><v>".utf8)
                pending.append(contentsOf: String(value).utf8)
                pending.append(contentsOf: "</v></c>".utf8)
            case .text(let text):
                let padded = text.first?.isWhitespace == true || text.last?.isWhitespace == true
                pending.append(contentsOf: (padded ? "\" t=\"inlineStr\"><is><t xml:space=\"preserve\">"
                                                   : "\" t=\"inlineStr\"><is><t>").utf8)
                XMLText.appendEscaped(text, to: &pending)
                pending.append(contentsOf: "</t></is></c>".utf8)
            }
        }
        pending.append(contentsOf: "</row>".utf8)
        if pending.count >= Self.flushThreshold {
            zip.write(pending)
            pending.removeAll(keepingCapacity: true)
        }
    }

    private static let commonColumns: [[UInt8]] = (0..<64).map { Array(columnName($0).utf8) }

    private static func columnLetters(_ index: Int) -> [UInt8] {
        index < commonColumns.count ? commonColumns[index] : Array(columnName(index).utf8)
    }

    /// Closes the sheet and the archive; returns the bytes of the .xlsx file.
    public consuming func finish() -> [UInt8] {
        pending.append(contentsOf: WorkbookParts.sheetEpilogue.utf8)
        zip.write(pending)
        zip.endEntry()
        return zip.finish()
    }

    /// `A`, `B`, … `Z`, `AA`, `AB`, …
    static func columnName(_ index: Int) -> String {
        var number = index + 1
        var letters: [UInt8] = []
        while number > 0 {
            let remainder = (number - 1) % 26
            letters.insert(UInt8(ascii: "A") + UInt8(remainder), at: 0)
            number = (number - 1) / 26
        }
        return String(decoding: letters, as: UTF8.self)
    }
}

enum XMLText {
    /// Escapes markup characters and drops the control characters XML 1.0 forbids.
    static func appendEscaped(_ text: String, to output: inout [UInt8]) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "&"): output.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): output.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): output.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "\""): output.append(contentsOf: "&quot;".utf8)
            case 0x09, 0x0A, 0x0D: output.append(byte)
            case 0..<0x20: continue
            default: output.append(byte)
            }
        }
    }

    static func escaped(_ text: String) -> String {
        var bytes: [UInt8] = []
        appendEscaped(text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// The parts of a minimal workbook other than the sheet's rows.
enum WorkbookParts {
    static let header = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    static let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    static let officeRelationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    static let packageRelationships = "http://schemas.openxmlformats.org/package/2006/relationships"

    static let sheetPrologue = header + "<worksheet xmlns=\"\(main)\"><sheetData>"
    static let sheetEpilogue = "</sheetData></worksheet>"

    static func fixedParts(sheetName: String) -> [(String, String)] {
        let contentTypes = header
            + "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
            + "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
            + "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
            + "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
            + "<Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
            + "<Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>"
            + "</Types>"
        let rootRelationships = header
            + "<Relationships xmlns=\"\(packageRelationships)\">"
            + "<Relationship Id=\"rId1\" Type=\"\(officeRelationships)/officeDocument\" Target=\"xl/workbook.xml\"/>"
            + "</Relationships>"
        let workbook = header
            + "<workbook xmlns=\"\(main)\" xmlns:r=\"\(officeRelationships)\"><sheets>"
            + "<sheet name=\"\(XMLText.escaped(sheetName))\" sheetId=\"1\" r:id=\"rId1\"/>"
            + "</sheets></workbook>"
        let workbookRelationships = header
            + "<Relationships xmlns=\"\(packageRelationships)\">"
            + "<Relationship Id=\"rId1\" Type=\"\(officeRelationships)/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
            + "<Relationship Id=\"rId2\" Type=\"\(officeRelationships)/styles\" Target=\"styles.xml\"/>"
            + "</Relationships>"
        // Excel repairs a workbook without a stylesheet, so ship the smallest valid one.
        let styles = header
            + "<styleSheet xmlns=\"\(main)\">"
            + "<fonts count=\"1\"><font><sz val=\"11\"/><name val=\"Calibri\"/></font></fonts>"
            + "<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill><fill><patternFill patternType=\"gray125\"/></fill></fills>"
            + "<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"
            + "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>"
            + "<cellXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/></cellXfs>"
            + "<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>"
            + "</styleSheet>"
        return [
            ("[Content_Types].xml", contentTypes),
            ("_rels/.rels", rootRelationships),
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", workbookRelationships),
            ("xl/styles.xml", styles),
        ]
    }
}
