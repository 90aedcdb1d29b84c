import Testing
@testable import XLSXReader

/// Cell forms real writers produce, written by hand so each is pinned down.
@Suite struct CellDecodingTests {
    func rows(_ sheetData: String, sharedStrings: [String]? = nil) throws -> [(Int, [CellValue?])] {
        let reader = try XLSXReader(path: try TestWorkbook.write(sheetData: sheetData, sharedStrings: sharedStrings))
        var result: [(Int, [CellValue?])] = []
        try reader.forEachRow { result.append(($0.number, $0.cells)) }
        return result
    }

    @Test func cellsAndRowsWithoutReferencesAreCounted() async throws {
        let read = try rows(#"<row><c><v>1</v></c><c t="b"><v>1</v></c></row><row r="4"><c r="C4" t="e"><v>#N/A</v></c><c><v>2.50</v></c></row><row/>"#)
        #expect(read.map(\.0) == [1, 4, 5])
        #expect(read[0].1 == [.number("1"), .bool(true)])
        #expect(read[1].1 == [nil, nil, .error("#N/A"), .number("2.50")])
        #expect(read[2].1.isEmpty)
    }

    @Test func numbersKeepTheirExactText() async throws {
        let read = try rows(#"<row><c t="n"><v>66355.05885099999</v></c><c><v>1E-3</v></c><c><v>12345678901234567890.123</v></c></row>"#)
        #expect(read[0].1 == [.number("66355.05885099999"), .number("1E-3"), .number("12345678901234567890.123")])
    }

    @Test func escapesEntitiesReferencesAndCDATA() async throws {
        let read = try rows(#"<row><c t="str"><v>a &amp; b &lt;&gt; &quot;&apos;</v></c><c t="inlineStr"><is><t>&#20013;&#x6587;_x000D_x</t></is></c><c t="inlineStr"><is><t><![CDATA[<raw> & ]]></t></is></c><c t="inlineStr"><is><t>_x005F_x0041_</t></is></c></row>"#)
        #expect(read[0].1 == [.text("a & b <> \"'"), .text("中文\rx"), .text("<raw> &"), .text("_x0041_")])
    }

    @Test func richTextRunsConcatenateWithoutPhonetics() async throws {
        let shared = [#"<r><rPr><b/></rPr><t xml:space="preserve">Bold </t></r><r><t>tail</t></r><rPh sb="0" eb="1"><t>フリ</t></rPh>"#, "<t/>"]
        let read = try rows(#"<row><c t="s"><v>0</v></c><c t="s"><v>1</v></c><c t="inlineStr"><is><r><t>in</t></r><r><t>line</t></r></is></c></row>"#, sharedStrings: shared)
        #expect(read[0].1 == [.text("Bold tail"), .text(""), .text("inline")])
    }

    @Test func whitespaceIsTrimmedUnlessPreserved() async throws {
        let read = try rows(#"<row><c t="inlineStr"><is><t>  a  </t></is></c><c t="inlineStr"><is><t xml:space="preserve">  b  </t></is></c></row>"#)
        #expect(read[0].1 == [.text("a"), .text("  b  ")])
    }

    @Test func anyNamespacePrefixIsAccepted() async throws {
        let entries = TestWorkbook.entries(sheetData: #"<x:row r="1"><x:c r="B1" t="inlineStr"><x:is><x:t>pre</x:t></x:is></x:c></x:row>"#, sheetPrefix: "x")
        let reader = try XLSXReader(path: try TestWorkbook.write(TestZip.build(entries)))
        var cells: [CellValue?] = []
        try reader.forEachRow { cells = $0.cells }
        #expect(cells == [nil, .text("pre")])
    }

    @Test func absoluteSheetTargetIsResolved() async throws {
        let entries = TestWorkbook.entries(sheetData: #"<row><c><v>7</v></c></row>"#, sheetTarget: "/xl/worksheets/sheet1.xml")
        let reader = try XLSXReader(path: try TestWorkbook.write(TestZip.build(entries)))
        #expect(reader.sheets == [XLSXSheet(name: "Data", partPath: "xl/worksheets/sheet1.xml")])
    }

    @Test func zip64RecordsAreFollowed() async throws {
        let entries = TestWorkbook.entries(sheetData: #"<row><c t="inlineStr"><is><t>big</t></is></c><c><v>64</v></c></row>"#)
        let reader = try XLSXReader(path: try TestWorkbook.write(TestZip.build(entries, zip64: true)))
        var cells: [CellValue?] = []
        try reader.forEachRow { cells = $0.cells }
        #expect(cells == [.text("big"), .number("64")])
    }

    @Test func accessorsDecodeOnlyWhatIsAsked() async throws {
        let reader = try XLSXReader(path: try TestWorkbook.write(sheetData: #"<row><c t="s"><v>0</v></c><c><v>3.25</v></c><c t="b"><v>0</v></c></row>"#, sharedStrings: ["<t>CNY</t>"]))
        try reader.forEachRow { row in
            #expect(row.kind(at: 0) == .text && row.kind(at: 1) == .number && row.kind(at: 9) == nil)
            #expect(row.text(at: 0) == "CNY" && row.numberText(at: 0) == nil)
            #expect(row.numberText(at: 1) == "3.25" && row.text(at: 2) == "FALSE")
            #expect(row.withCellBytes(at: 1) { kind, bytes in kind == .number && Array(bytes) == Array("3.25".utf8) } == true)
        }
    }

    /// Enough rows that elements straddle the reader's refill boundaries, stored and deflated.
    @Test(arguments: [true, false])
    func largeSheetStreamsAcrossChunkBoundaries(deflate: Bool) throws {
        let count = 30_000
        let body = (1...count).map { #"<row r="\#($0)"><c r="A\#($0)" t="inlineStr"><is><t>order-\#($0)</t></is></c><c r="B\#($0)"><v>\#($0).5</v></c></row>"# }.joined()
        var entries = TestWorkbook.entries(sheetData: body)
        entries[3].deflate = deflate
        let reader = try XLSXReader(path: try TestWorkbook.write(TestZip.build(entries)))
        var seen = 0
        var mismatches = 0
        try reader.forEachRow { row in
            seen += 1
            if row.number != seen || row.text(at: 0) != "order-\(seen)" || row.numberText(at: 1) != "\(seen).5" { mismatches += 1 }
        }
        #expect(seen == count && mismatches == 0)
    }
}
