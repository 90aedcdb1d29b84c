import Testing
@testable import XLSXReader

/// Parts are found as OPC names them: case-insensitively, whatever slash a Windows zip
/// writer stored, percent-decoded from the relationship's URI; a relationship whose target
/// is missing is reported as exactly that.
@Suite struct PartNameTests {
    static let relationships = "http://schemas.openxmlformats.org/package/2006/relationships"
    static let officeRelationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

    /// A one-sheet workbook whose only cell is the shared string "shared"; `names` renames
    /// entries, `drop` leaves parts out, `sheetTarget` is the worksheet relationship's target.
    static func workbook(names: [String: String] = [:], drop: Set<String> = [],
                         sheetTarget: String = "worksheets/sheet1.xml", sharedTarget: String = "sharedStrings.xml") -> [TestZipEntry] {
        let main = TestWorkbook.mainNamespace
        let parts: [(String, String)] = [
            ("[Content_Types].xml", "<Types/>"),
            ("_rels/.rels", #"<Relationships xmlns="\#(relationships)"><Relationship Id="rId1" Type="\#(officeRelationships)/officeDocument" Target="xl/workbook.xml"/></Relationships>"#),
            ("xl/workbook.xml", #"<workbook xmlns="\#(main)" xmlns:r="\#(officeRelationships)"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>"#),
            ("xl/_rels/workbook.xml.rels", #"<Relationships xmlns="\#(relationships)"><Relationship Id="rId1" Type="\#(officeRelationships)/worksheet" Target="\#(sheetTarget)"/><Relationship Id="rId2" Type="\#(officeRelationships)/sharedStrings" Target="\#(sharedTarget)"/></Relationships>"#),
            ("xl/worksheets/sheet1.xml", #"<worksheet xmlns="\#(main)"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>"#),
            ("xl/sharedStrings.xml", #"<sst xmlns="\#(main)"><si><t>shared</t></si></sst>"#),
        ]
        return parts.filter { !drop.contains($0.0) }.map { TestZipEntry(name: names[$0.0] ?? $0.0, data: Array($0.1.utf8)) }
    }

    func firstCell(_ entries: [TestZipEntry]) throws -> CellValue? {
        let reader = try XLSXReader(path: try TestWorkbook.write(TestZip.build(entries)))
        var cell: CellValue?
        try reader.forEachRow { cell = $0.cell(at: 0) }
        return cell
    }

    func refusal(_ entries: [TestZipEntry]) throws -> (error: XLSXError?, path: String) {
        let path = try TestWorkbook.write(TestZip.build(entries))
        do {
            let reader = try XLSXReader(path: path)
            try reader.forEachRow { _ in }
        } catch let error as XLSXError {
            return (error, path)
        }
        return (nil, path)
    }

    @Test func aRelationshipFindsItsPartWhateverTheCase() async throws {
        #expect(try firstCell(Self.workbook(names: ["xl/sharedStrings.xml": "xl/SharedStrings.xml"])) == .text("shared"))
        let shouting = ["xl/workbook.xml": "XL/Workbook.XML", "xl/_rels/workbook.xml.rels": "xl/_RELS/workbook.xml.rels",
                        "_rels/.rels": "_Rels/.rels", "xl/worksheets/sheet1.xml": "xl/Worksheets/Sheet1.xml"]
        #expect(try firstCell(Self.workbook(names: shouting)) == .text("shared"))
        #expect(try firstCell(Self.workbook(sheetTarget: "/XL/WORKSHEETS/SHEET1.XML")) == .text("shared"))
    }

    @Test func entriesStoredWithBackslashesAreParts() async throws {
        var names: [String: String] = [:]
        for entry in Self.workbook() where entry.name.contains("/") { names[entry.name] = entry.name.replacing("/", with: "\\") }
        #expect(names["_rels/.rels"] == "_rels\\.rels" && names["xl/workbook.xml"] == "xl\\workbook.xml")
        #expect(try firstCell(Self.workbook(names: names)) == .text("shared"))
        #expect(try firstCell(Self.workbook(sheetTarget: "worksheets\\sheet1.xml")) == .text("shared"))
    }

    @Test func aTargetIsAURIAndIsPercentDecoded() async throws {
        let entries = Self.workbook(names: ["xl/worksheets/sheet1.xml": "xl/worksheets/sheet 1.xml"],
                                    sheetTarget: "worksheets/sheet%201.xml")
        #expect(try firstCell(entries) == .text("shared"))
    }

    @Test func aMissingSharedStringPartIsReportedAsSuch() async throws {
        let (error, path) = try refusal(Self.workbook(drop: ["xl/sharedStrings.xml"]))
        #expect(error == .missingRelationshipTarget(path: path, relationships: "xl/_rels/workbook.xml.rels", id: "rId2",
                                                    type: "\(Self.officeRelationships)/sharedStrings", target: "xl/sharedStrings.xml"))
        #expect(error?.description == "\(path): relationship rId2 (sharedStrings) in xl/_rels/workbook.xml.rels points to part "
            + "xl/sharedStrings.xml, which the file does not contain: the workbook is incomplete; export it again")
    }

    @Test func aMissingWorkbookOrSheetPartIsReportedAsSuch() async throws {
        let (noWorkbook, path) = try refusal(Self.workbook(drop: ["xl/workbook.xml"]))
        #expect(noWorkbook == .missingRelationshipTarget(path: path, relationships: "_rels/.rels", id: "rId1",
                                                         type: "\(Self.officeRelationships)/officeDocument", target: "xl/workbook.xml"))
        let (noSheet, sheetPath) = try refusal(Self.workbook(drop: ["xl/worksheets/sheet1.xml"]))
        #expect(noSheet == .missingRelationshipTarget(path: sheetPath, relationships: "xl/_rels/workbook.xml.rels", id: "rId1",
                                                      type: "\(Self.officeRelationships)/worksheet", target: "xl/worksheets/sheet1.xml"))
        // Backslash-stored rels are named as stored, so a person can find them in the zip.
        let (stored, storedPath) = try refusal(Self.workbook(names: ["xl/_rels/workbook.xml.rels": "xl\\_rels\\workbook.xml.rels"],
                                                             drop: ["xl/sharedStrings.xml"]))
        #expect(stored == .missingRelationshipTarget(path: storedPath, relationships: "xl\\_rels\\workbook.xml.rels", id: "rId2",
                                                     type: "\(Self.officeRelationships)/sharedStrings", target: "xl/sharedStrings.xml"))
    }

    @Test func anExactNameIsPreferredAndExternalTargetsAreNotParts() {
        #expect(ZipArchive.partKey("/XL\\Worksheets/Sheet1.XML") == "xl/worksheets/sheet1.xml")
        #expect(WorkbookLocator.percentDecoded("a%20b%zz%4") == "a b%zz%4")
    }
}
