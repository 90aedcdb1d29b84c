import BillingSimulator
import Foundation
import Testing
import UnpaidCore

@Suite("XLSX writer")
struct XLSXWriterTests {
    @Test func workbookHasEveryPartWithValidCRCs() async throws {
        var writer = XLSXWorkbookWriter(sheetName: "Unpaid & <Orders>")
        writer.appendRow([.text("Name"), .text("Count"), .text("Note")])
        writer.appendRow([.text("O'Brien \"Quoted\" <Labs> & Co"), .integer(-42), .text(" padded ")])
        writer.appendRow([.text("示例科技 \u{01}bell"), .empty, .integer(Int64.max)])
        let zip = try ZipInspection(writer.finish())
        #expect(zip.entries.map(\.name) == [
            "[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
            "xl/styles.xml", "xl/worksheets/sheet1.xml",
        ])
        let workbook = String(decoding: try #require(zip.contents(of: "xl/workbook.xml")), as: UTF8.self)
        #expect(workbook.contains(#"name="Unpaid &amp; &lt;Orders&gt;""#))
    }

    @Test func cellsReadBackExactly() async throws {
        var writer = XLSXWorkbookWriter(sheetName: "S")
        writer.appendRow([.text("Name"), .text("Count"), .text("Note")])
        writer.appendRow([.text("O'Brien \"Quoted\" <Labs> & Co"), .integer(-42), .text(" padded ")])
        writer.appendRow([.text("示例科技 \u{01}bell"), .empty, .integer(Int64.max)])
        let sheet = try SheetInspection(workbook: writer.finish())
        #expect(sheet.rows == [
            ["A": "Name", "B": "Count", "C": "Note"],
            ["A": "O'Brien \"Quoted\" <Labs> & Co", "B": "-42", "C": " padded "],
            ["A": "示例科技 bell", "C": "9223372036854775807"],
        ])
    }

    @Test func manyRowsSpanSeveralDeflateFlushes() async throws {
        var writer = XLSXWorkbookWriter(sheetName: "S")
        for index in 0..<20_000 { writer.appendRow([.integer(Int64(index)), .text("row \(index)")]) }
        let bytes = writer.finish()
        let sheet = try #require(try ZipInspection(bytes).contents(of: "xl/worksheets/sheet1.xml"))
        #expect(sheet.count > bytes.count * 3)  // it did compress
        let rows = try SheetInspection(workbook: bytes).rows
        #expect(rows.count == 20_000)
        #expect(rows.last == ["A": "19999", "B": "row 19999"])
    }

    @Test func exportHasTheTwentySevenColumnsAndSixDecimalAmounts() async throws {
        let sim = try await startSimulator()
        defer { Task { await sim.stop() } }
        let sheet = try SheetInspection(workbook: try await sim.fetchExport(organizations: [100_002]))
        let header = try #require(sheet.rows.first)
        #expect(header.count == 27)
        #expect((0..<27).map { header[Self.column($0)] } == SimulatedOrder.columns)
        let records = sheet.records
        #expect(records.count == 30)
        for record in records {
            let amount = try #require(record["OrderTotalPrice"])
            #expect(amount.split(separator: ".").last?.count == 6, "\(amount)")
        }
    }

    @Test func twoHundredOrganizationsOfFiveThousandOrders() async throws {
        let sim = try await startSimulator(organizations: 200, ordersPerOrganization: 5_000)
        defer { Task { await sim.stop() } }
        let sheet = try SheetInspection(workbook: try await sim.fetchExport(organizations: [100_200]))
        #expect(sheet.records.count == 5_000)
        #expect(try sheet.totals() == sim.catalog.expectedTotals(
            matching: OrderFilter(window: try .init(start: testNow - 90 * 86_400, end: testNow + 1), organizationIDs: [100_200]),
            phase: 1))
    }

    static func column(_ index: Int) -> String {
        index < 26 ? String(UnicodeScalar(UInt8(65 + index))) : "A" + String(UnicodeScalar(UInt8(65 + index - 26)))
    }
}

@Suite("Amount text")
struct AmountTextTests {
    @Test(arguments: [0, 1, 999_999, 1_000_000, 123_456_789, -5, -1_000_001, Int64.max])
    func sixDecimalTextEqualsMoney(micros: Int64) throws {
        let order = OrderCatalog(organizationCount: 1, ordersPerOrganization: 1, seed: 1, now: testNow)
            .orders(organizationID: 100_001, phase: 1)[0]
        var changed = order
        changed.totalPriceMicros = micros
        guard case .text(let text) = changed.cells[19] else { Issue.record("OrderTotalPrice is not text"); return }
        #expect(text == Money(units: Int128(micros), scale: 6).description)
    }
}
