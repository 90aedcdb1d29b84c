import Foundation
import Ledger
import Testing
import UnpaidCore
@testable import PostgresLedger

/// Snapshot rows written in SQL read back as the records SQLiteLedger gives for the same rows.
@Suite struct PostgresSnapshotReadTests {
    @Test func theLatestSnapshotOfASeriesComesWithItsTotalsAndReconciliation() async throws {
        let history = try await SchemaHistory.make()
        try await history.execute(SchemaHistory.laterSnapshot + [
            "INSERT INTO snapshot_total VALUES (3, 'USD', 2, '-0.50'), (3, 'CNY', 1, '7')",
            """
            INSERT INTO snapshot_reconciliation (snapshot_id, status, export_count, export_amount_text,
                before_count, before_amount_text, before_request_id, before_error,
                after_count, after_amount_text, after_request_id, after_error, refetched, reason)
            VALUES (3, 'mismatch', 3, '6.50', 3, '6.40', 'req-before', NULL, NULL, NULL, NULL, 'timed out', 1,
                    'after unavailable')
            """,
        ])
        try await history.withLedger { ledger in
            let latest = try #require(try await ledger.latestSnapshot(job: "monthly", organizationID: 42))
            #expect(latest.id == SnapshotID(rawValue: 3))
            #expect(latest.runID == RunID(rawValue: 2))
            #expect(latest.window == (try BillingWindow(start: 100, end: 200)))
            #expect(latest.fetchedAt == Date(timeIntervalSince1970: 1_793_000_180))
            #expect(latest.archivePath == "archive/export-3.xlsx")
            #expect(latest.totals == ["USD": Total(count: 2, sum: try Money("-0.50")), "CNY": Total(count: 1, sum: try Money("7"))])
            #expect(latest.reconciliation == Reconciliation(
                status: .mismatch, exportCount: 3, exportAmount: try Money("6.50"),
                before: .answered(AmountAnswer(count: 3, amount: try Money("6.40"), requestID: "req-before")),
                after: .unavailable(AmountUnavailable(reason: "timed out")), refetched: true,
                reason: "after unavailable"))
            let other = try #require(try await ledger.latestSnapshot(job: "monthly", organizationID: 43))
            #expect(other.id == SnapshotID(rawValue: 2) && other.reconciliation == nil)
            #expect(try await ledger.latestSnapshot(job: "daily", organizationID: 42) == nil)
            #expect(try await ledger.isRecorded(archivePath: "archive/export-3.xlsx"))
            #expect(try await ledger.isRecorded(archivePath: "archive/export-4.xlsx") == false)
        }
    }
}
