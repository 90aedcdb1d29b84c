import Foundation
import Testing
import UnpaidCore
@testable import UnpaidReports

@Suite struct RowWriterTests {
    let columns = ["name", "count", "amount", "note"]
    let rows: [[ReportCell]] = [
        [.text("a,b"), .integer(3), .money(try! Money("1.50")), .missing],
        [.text("say \"hi\""), .integer(-1), .money(try! Money("-0.001")), .text("line\nbreak")],
    ]
    let trailer = ReportTrailer(name: "totals", columns: ["currency", "sum"], rows: [[.text("USD"), .money(try! Money("1.499"))]])

    func written(_ format: RowFormat, rows: [[ReportCell]]? = nil, trailer: ReportTrailer? = nil) throws -> String {
        let output = ReportOutput.memory()
        var writer = format.writer(columns: columns, to: output)
        for row in rows ?? self.rows { try writer.writeRow(row) }
        try writer.finish(trailer: trailer)
        return output.text
    }

    @Test func csvQuotesWhatItMustAndKeepsAmountsExact() async throws {
        let expected = "name,count,amount,note\r\n" + "\"a,b\",3,1.50,\r\n"
            + "\"say \"\"hi\"\"\",-1,-0.001,\"line\nbreak\"\r\n"
        #expect(try written(.csv, trailer: trailer) == expected)
        #expect(try written(.csv, rows: []) == "name,count,amount,note\r\n")
    }

    @Test func jsonLinesWriteOneObjectPerRowThenTheTrailer() async throws {
        #expect(try written(.jsonl, trailer: trailer) == """
            {"name":"a,b","count":3,"amount":"1.50","note":null}
            {"name":"say \\"hi\\"","count":-1,"amount":"-0.001","note":"line\\nbreak"}
            {"totals":[{"currency":"USD","sum":"1.499"}]}

            """)
    }

    @Test func jsonIsOneParsableObjectWithRowsAndTrailer() async throws {
        let text = try written(.json, trailer: trailer)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let parsed = try #require(object["rows"] as? [[String: Any]])
        #expect(parsed.count == 2)
        #expect(parsed[0]["amount"] as? String == "1.50" && parsed[1]["note"] as? String == "line\nbreak")
        #expect((object["totals"] as? [[String: Any]])?.first?["sum"] as? String == "1.499")
        let empty = try JSONSerialization.jsonObject(with: Data(try written(.json, rows: []).utf8)) as? [String: Any]
        #expect((empty?["rows"] as? [Any])?.isEmpty == true)
    }

    /// Cells are encoded from bytes; these are what the String-based rules give, for
    /// every ASCII byte at every place of a text longer than the 8-byte scan steps.
    @Test func byteCellsEncodeAsTheTextRulesSay() async throws {
        var texts = (0..<128).map { byte in "0123456789" + String(UnicodeScalar(UInt8(byte))) + "abcdefghijk" }
        texts += (0..<128).map { byte in "ab" + String(UnicodeScalar(UInt8(byte))) }
        texts += ["", "订单,号", "naïve \"quote\"", "tab\there", "\u{1}\u{1f}"]
        for text in texts {
            let csv = try written(.csv, columns: ["t"]) { $0.text(text) }
            let csvField = text.contains { ",\"\n\r".contains($0) } || text.contains("\r\n")
                ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
            #expect(csv == "t\r\n" + csvField + "\r\n", "\(Array(text.utf8))")
            let json = try written(.jsonl, columns: ["t"]) { $0.text(text) }
            #expect(json == "{\"t\":" + JSONText.quoted(text) + "}\n", "\(Array(text.utf8))")
        }
    }

    @Test func byteCellsWriteNumbersAndAmountsAsTheirDescriptions() async throws {
        let amounts = ["0", "-0.001", "0.000000", "12345678901234567890.123456", "-99999999999999999999999999.5",
                       "18446744073709551615", "18446744073709551616", "7.10"].map { try! Money($0) }
        for amount in amounts {
            #expect(try written(.csv, columns: ["a"]) { $0.money(amount) } == "a\r\n\(amount.description)\r\n")
            #expect(try written(.jsonl, columns: ["a"]) { $0.money(amount) } == "{\"a\":\"\(amount.description)\"}\n")
        }
        for number in [Int64.min, -1, 0, 7, Int64.max] {
            #expect(try written(.csv, columns: ["n"]) { $0.integer(number) } == "n\r\n\(number)\r\n")
        }
        let missing = try written(.jsonl, columns: ["m", "t"]) { cells in
            cells.text(nil as UnsafeBufferPointer<UInt8>?)
            cells.text("x")
        }
        #expect(missing == "{\"m\":null,\"t\":\"x\"}\n")
    }

    func written(_ format: RowFormat, columns: [String], row: (inout RowCells) -> Void) throws -> String {
        let output = ReportOutput.memory()
        var writer = format.writer(columns: columns, to: output)
        try writer.writeRow(row)
        try writer.finish(trailer: nil)
        return output.text
    }

    @Test func tablesAlignNumbersRightAndPrintTheTrailerUnder() async throws {
        let text = try written(.table, rows: [rows[0], [.text("x"), .integer(1234), .money(try Money("7")), .text("y")]],
                               trailer: trailer)
        #expect(text == """
            name  count  amount  note
            ----  -----  ------  ----
            a,b       3    1.50
            x      1234       7  y

            currency    sum
            --------  -----
            USD       1.499

            """)
        #expect(try written(.table, rows: []).hasSuffix("(none)\n"))
    }

    @Test func aFileOutputAppearsOnlyWhenCommitted() async throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "report-output-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/report.csv"
        do {
            let abandoned = try ReportOutput.file(atomicallyAt: path)
            try abandoned.write("half")
            try abandoned.flush()
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty, "an uncommitted file is removed")
        let output = try ReportOutput.file(atomicallyAt: path)
        try output.write("whole\n")
        try output.commit()
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "whole\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["report.csv"])
        #expect(throws: ReportError.self) { try ReportOutput.file(atomicallyAt: folder + "/missing/report.csv") }
    }
}
