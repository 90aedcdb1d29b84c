import Foundation
import Testing
import UnpaidCore
@testable import SQLiteLedger
import Ledger
import LedgerTestSupport

/// The README's example queries, run with the sqlite3 command-line tool against a real
/// ledger, as a BI tool would read it.
@Suite struct SQLiteAuditViewTests {
    /// The ```sql blocks of the README's "Views for BI tools" section, in order.
    static func readmeQueries() throws -> [String] {
        let root = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appending(path: "README.md"), encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "### Views for BI tools").dropFirst().first)
            .components(separatedBy: "\n## ").first ?? ""
        return section.components(separatedBy: "```sql\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
    }

    func sqlite3(_ path: String, _ query: String) throws -> [[String: String]] {
        let process = Process()
        process.executableURL = URL(filePath: "/usr/bin/env")
        process.arguments = ["sqlite3", "-readonly", "-json", path, query]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "sqlite3 failed: \(message)")
        guard !data.isEmpty else { return [] }
        let rows = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        return rows.map { $0.mapValues { "\($0)" } }
    }

    @Test func theReadmeQueriesAnswerFromTheViews() async throws {
        let queries = try Self.readmeQueries()
        try #require(queries.count == 3)
        let fixture = try SQLiteFixture()
        let first = try await fixture.record([order("A", "1.10"), order("B", "20"), order("C", "3", currency: "CNY")],
                                       shaSeed: 1, minute: 0)
        let second = try await fixture.record([order("B", "20"), order("C", "3.5", currency: "CNY"), order("D", "4")],
                                        shaSeed: 2, minute: 60)
        _ = try await fixture.record([order("X", "9", organizationID: 43)], organizationID: 43, shaSeed: 3, minute: 61)
        #expect(second.id.rawValue == 2, "the README's second query names snapshot 2")

        let totals = try sqlite3(fixture.path, queries[0])
        #expect(totals.map { $0["organization_id"]! + " " + $0["currency"]! + " " + $0["sum_text"]! }
                    == ["42 CNY 3.5", "42 USD 24", "43 USD 9"])
        #expect(totals[0]["fetched_at"] == "2026-10-26T08:33:20Z")

        let largest = try sqlite3(fixture.path, queries[1])
        var listed: [AuditOrder] = []
        try fixture.ledger.auditOrders(at: second.id) { listed.append($0) }
        #expect(largest.map { $0["order_no"]! } == ["B", "D", "C"])
        #expect(Set(largest.map { $0["order_no"]! + " " + $0["amount_text"]! })
                    == Set(listed.map { $0.order.orderNo + " " + $0.order.totalPrice.description }))

        let timeline = try sqlite3(fixture.path, queries[2])
        #expect(timeline.map { $0["order_no"]! } == ["A", "B", "C", "D"])
        #expect(timeline[0]["first_seen"] == "2026-10-26T07:33:20Z" && timeline[0]["gone_at"] == "2026-10-26T08:33:20Z")
        #expect(timeline[1]["gone_at"] == "<null>" || timeline[1]["gone_at"] == nil, "B is still unpaid")
        #expect(timeline[2]["first_seen"] == timeline[0]["first_seen"], "C changed amount but was first seen at once")
        _ = first
    }
}
