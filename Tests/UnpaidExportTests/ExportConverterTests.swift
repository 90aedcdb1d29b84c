import Foundation
import Testing
import UnpaidExport
import XLSXReader

@Suite struct ExportConverterTests {
    func output(_ format: ExportFormat, _ input: String) throws -> (rows: Int, text: String) {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("convert-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let rows = try ExportConverter(format: format).convert(xlsxAt: input, to: out)
        return (rows, try String(contentsOfFile: out, encoding: .utf8))
    }

    @Test func csvQuotesPerRFC4180AndKeepsNumbersExact() async throws {
        try ExportWorkbook.withFile([["OrderNo", "Note", "OrderTotalPrice"], ["A-1", "a, \"b\"\nc", NumberText("66355.05885099999")], ["A-2", nil, "7"]]) { path in
            let (rows, text) = try output(.csv, path)
            #expect(rows == 2)
            #expect(text == "OrderNo,Note,OrderTotalPrice\r\nA-1,\"a, \"\"b\"\"\nc\",66355.05885099999\r\nA-2,,7\r\n")
        }
    }

    @Test func jsonLinesKeyByHeader() async throws {
        try ExportWorkbook.withFile([["OrderNo", "Qty", "Note"], ["A-1", 3, "x\"y"], ["A-2", nil, nil, "extra"]]) { path in
            let (rows, text) = try output(.jsonl, path)
            #expect(rows == 2)
            #expect(text == #"{"OrderNo":"A-1","Qty":3,"Note":"x\"y"}"# + "\n" + #"{"OrderNo":"A-2","Qty":null,"Note":null,"D":"extra"}"# + "\n")
        }
    }

    @Test func anOutputInAMissingFolderIsNamedInWords() async throws {
        let out = "/nonexistent-\(UUID().uuidString)/orders.csv"
        try ExportWorkbook.withFile([["OrderNo"], ["A-1"]]) { path in
            let error = #expect(throws: UnpaidExportError.self) { try ExportConverter(format: .csv).convert(xlsxAt: path, to: out) }
            #expect(error?.description == "cannot write \(out): its folder does not exist")
        }
    }

    @Test func outputAppearsWholeOrNotAtAll() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("convert-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let out = folder + "/orders.csv"
        try "previous\n".write(toFile: out, atomically: false, encoding: .utf8)
        // The header fits the column cap, the data row does not: the failure comes after
        // the header was already written.
        try ExportWorkbook.withFile([["OrderNo", "Note"], ["A-1", "x", "too wide"]]) { path in
            #expect(throws: XLSXError.self) {
                try ExportConverter(format: .csv, limits: XLSXLimits(maxColumns: 2)).convert(xlsxAt: path, to: out)
            }
            #expect(try String(contentsOfFile: out, encoding: .utf8) == "previous\n")
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["orders.csv"])

            #expect(try ExportConverter(format: .csv).convert(xlsxAt: path, to: out) == 1)
            #expect(try String(contentsOfFile: out, encoding: .utf8) == "OrderNo,Note\r\nA-1,x,too wide\r\n")
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["orders.csv"])
            let permissions = try FileManager.default.attributesOfItem(atPath: out)[.posixPermissions] as? Int
            #expect(permissions == 0o644)
        }
    }

    @Test func fixtureConvertsEveryRowWithTheSameValues() async throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("../shared/fixtures/unpaid/xlsxwriter-shared-strings.xlsx").standardized.path
        let (rows, text) = try output(.jsonl, fixture)
        #expect(rows == 2000)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 2000)
        var count = 0
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            if object["OrderNo"] is String, object["OrderTotalPrice"] != nil, object["Currency"] is String { count += 1 }
        }
        #expect(count == 2000)
        let csv = try output(.csv, fixture).text
        #expect(csv.hasPrefix("OrderNo,OrganizationID,OrganizationName,") && csv.components(separatedBy: "\r\n").count == 2002)
    }
}
