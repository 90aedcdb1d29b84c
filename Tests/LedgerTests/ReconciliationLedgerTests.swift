import Foundation
import GRDB
import Testing
import UnpaidCore
@testable import SQLiteLedger
import Ledger
import LedgerTestSupport

@Suite struct ReconciliationLedgerTests {
    let mismatch = Reconciliation(
        status: .mismatch, exportCount: 2, exportAmount: try! Money("15.50"),
        before: .answered(AmountAnswer(count: 3, amount: try! Money("16.5"), requestID: "req-before")),
        after: .answered(AmountAnswer(count: 3, amount: try! Money("16.5"), requestID: "req-after")),
        refetched: true, reason: "export 2 orders, GetOrderAmount 3")

    @discardableResult
    func recordSnapshot(_ fixture: SQLiteFixture, _ reconciliation: Reconciliation?, shaSeed: Int) throws -> SnapshotRecord {
        let at = SQLiteFixture.base.addingTimeInterval(Double(shaSeed) * 60)
        let run = try fixture.ledger.startRun(job: "monthly", startedAt: at)
        var snapshot = fixture.snapshot(run: run, shaSeed: shaSeed, at: at)
        snapshot.reconciliation = reconciliation
        let record = try fixture.ledger.recordSnapshot(snapshot, orders: [order("A", "10"), order("B", "5.50")])
        try fixture.ledger.finishRun(run, status: .succeeded, error: nil, finishedAt: at)
        return record
    }

    @Test func theOutcomeIsRecordedWithTheSnapshotAndReadBackWhole() async throws {
        let fixture = try SQLiteFixture()
        let record = try recordSnapshot(fixture, mismatch, shaSeed: 1)
        #expect(try fixture.ledger.reconciliation(of: record.id) == mismatch)
        let unavailable = Reconciliation(
            status: .unavailable, exportCount: 2, exportAmount: nil,
            before: .unavailable(AmountUnavailable(reason: "GetOrderAmount: unknown action", requestID: "r1")),
            after: .unavailable(AmountUnavailable(reason: "GetOrderAmount: unknown action")),
            refetched: false, reason: "GetOrderAmount: unknown action")
        let second = try recordSnapshot(fixture, unavailable, shaSeed: 2)
        #expect(try fixture.ledger.reconciliation(of: second.id) == unavailable)
        let unchecked = try recordSnapshot(fixture, nil, shaSeed: 3)
        #expect(try fixture.ledger.reconciliation(of: unchecked.id) == nil)
        #expect(try fixture.ledger.unreconciledSnapshots().map(\.snapshotID) == [second.id, record.id])
    }

    /// What the audit report needs: the series and fetch time, narrowed to its period.
    @Test func unreconciledSnapshotsNameTheirSeriesAndNarrowToAPeriod() async throws {
        let fixture = try SQLiteFixture()
        let first = try recordSnapshot(fixture, mismatch, shaSeed: 1)
        let second = try recordSnapshot(fixture, mismatch, shaSeed: 2)
        let all = try fixture.ledger.unreconciledSnapshots()
        #expect(all.map(\.snapshotID) == [second.id, first.id])
        #expect(all.last?.job == first.job && all.last?.organizationID == first.organizationID)
        #expect(all.last?.fetchedAt == first.fetchedAt && all.last?.reconciliation == mismatch)
        #expect(try fixture.ledger.unreconciledSnapshots(since: second.fetchedAt).map(\.snapshotID) == [second.id])
        #expect(try fixture.ledger.unreconciledSnapshots(until: second.fetchedAt).map(\.snapshotID) == [first.id])
        #expect(try fixture.ledger.unreconciledSnapshots(organizationID: first.organizationID + 1).isEmpty)
    }

    @Test func historyShowsTheStatusPerSnapshot() async throws {
        let fixture = try SQLiteFixture()
        try recordSnapshot(fixture, mismatch, shaSeed: 1)
        try recordSnapshot(fixture, nil, shaSeed: 2)
        #expect(try fixture.ledger.history().map(\.reconciliation) == [.mismatch, nil])
    }

    @Test func reconciliationRowsAreAppendOnlyAndChecked() async throws {
        let fixture = try SQLiteFixture()
        let record = try recordSnapshot(fixture, mismatch, shaSeed: 1)
        let id = record.id.rawValue
        for sql in ["UPDATE snapshot_reconciliation SET status = 'reconciled' WHERE snapshot_id = \(id)",
                    "DELETE FROM snapshot_reconciliation WHERE snapshot_id = \(id)"] {
            #expect(throws: DatabaseError.self, "\(sql)") { try fixture.ledger.pool.write { try $0.execute(sql: sql) } }
        }
        let other = try recordSnapshot(fixture, nil, shaSeed: 2).id.rawValue
        let bad = [
            // an answer and an error at once
            "('mismatch', 1, '1', 1, '1', 'e', NULL, '1', NULL, 'x')",
            // unavailable although an answer came
            "('unavailable', 1, '1', 1, '1', NULL, 1, '1', NULL, 'x')",
            // a mismatch without a reason
            "('mismatch', 1, '1', 1, '2', NULL, 1, '2', NULL, NULL)",
            // not comparable with a single amount
            "('not-comparable', 1, '1', 1, '1', NULL, 1, '1', NULL, NULL)",
            "('bogus', 1, '1', 1, '1', NULL, 1, '1', NULL, NULL)",
        ]
        for values in bad {
            #expect(throws: DatabaseError.self, "\(values)") {
                try fixture.ledger.pool.write { db in
                    try db.execute(sql: """
                        INSERT INTO snapshot_reconciliation (status, export_count, export_amount_text,
                            before_count, before_amount_text, before_error, after_count, after_amount_text, after_error,
                            reason, snapshot_id, refetched) VALUES \(values.dropLast()), \(other), 0)
                        """)
                }
            }
        }
    }
}
