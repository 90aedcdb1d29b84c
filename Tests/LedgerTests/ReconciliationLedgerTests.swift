import Foundation
import Testing
import UnpaidCore
import Ledger
import LedgerTestSupport

@Suite struct ReconciliationLedgerTests {
    let mismatch = Reconciliation(
        status: .mismatch, exportCount: 2, exportAmount: try! Money("15.50"),
        before: .answered(AmountAnswer(count: 3, amount: try! Money("16.5"), requestID: "req-before")),
        after: .answered(AmountAnswer(count: 3, amount: try! Money("16.5"), requestID: "req-after")),
        refetched: true, reason: "export 2 orders, GetOrderAmount 3")

    @discardableResult
    func recordSnapshot(_ fixture: LedgerFixture, _ reconciliation: Reconciliation?,
                        shaSeed: Int) async throws -> SnapshotRecord {
        let at = LedgerFixture.base.addingTimeInterval(Double(shaSeed) * 60)
        let run = try await fixture.ledger.startRun(job: "monthly", startedAt: at)
        var snapshot = fixture.snapshot(run: run, shaSeed: shaSeed, at: at)
        snapshot.reconciliation = reconciliation
        let record = try await fixture.ledger.recordSnapshot(snapshot, orders: [order("A", "10"), order("B", "5.50")])
        try await fixture.ledger.finishRun(run, status: .succeeded, error: nil, finishedAt: at)
        return record
    }

    func unreconciled(_ fixture: LedgerFixture, organizationID: Int64? = nil, since: Date? = nil,
                      until: Date? = nil) async throws -> [UnreconciledSnapshot] {
        try await fixture.ledger.unreconciledSnapshots(job: nil, organizationID: organizationID, since: since,
                                                       until: until, limit: nil)
    }

    @Test(arguments: LedgerBackend.allCases)
    func theOutcomeIsRecordedWithTheSnapshotAndReadBackWhole(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let record = try await recordSnapshot(fixture, mismatch, shaSeed: 1)
            #expect(try await fixture.ledger.reconciliation(of: record.id) == mismatch)
            let unavailable = Reconciliation(
                status: .unavailable, exportCount: 2, exportAmount: nil,
                before: .unavailable(AmountUnavailable(reason: "GetOrderAmount: unknown action", requestID: "r1")),
                after: .unavailable(AmountUnavailable(reason: "GetOrderAmount: unknown action")),
                refetched: false, reason: "GetOrderAmount: unknown action")
            let second = try await recordSnapshot(fixture, unavailable, shaSeed: 2)
            #expect(try await fixture.ledger.reconciliation(of: second.id) == unavailable)
            let unchecked = try await recordSnapshot(fixture, nil, shaSeed: 3)
            #expect(try await fixture.ledger.reconciliation(of: unchecked.id) == nil)
            #expect(try await unreconciled(fixture).map(\.snapshotID) == [second.id, record.id])
        }
    }

    /// What the audit report needs: the series and fetch time, narrowed to its period.
    @Test(arguments: LedgerBackend.allCases)
    func unreconciledSnapshotsNameTheirSeriesAndNarrowToAPeriod(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let first = try await recordSnapshot(fixture, mismatch, shaSeed: 1)
            let second = try await recordSnapshot(fixture, mismatch, shaSeed: 2)
            let all = try await unreconciled(fixture)
            #expect(all.map(\.snapshotID) == [second.id, first.id])
            #expect(all.last?.job == first.job && all.last?.organizationID == first.organizationID)
            #expect(all.last?.fetchedAt == first.fetchedAt && all.last?.reconciliation == mismatch)
            #expect(try await unreconciled(fixture, since: second.fetchedAt).map(\.snapshotID) == [second.id])
            #expect(try await unreconciled(fixture, until: second.fetchedAt).map(\.snapshotID) == [first.id])
            #expect(try await unreconciled(fixture, organizationID: first.organizationID + 1).isEmpty)
        }
    }

    @Test(arguments: LedgerBackend.allCases)
    func historyShowsTheStatusPerSnapshot(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            try await recordSnapshot(fixture, mismatch, shaSeed: 1)
            try await recordSnapshot(fixture, nil, shaSeed: 2)
            let history = try await fixture.ledger.history(organizationID: nil, job: nil, since: nil, until: nil, limit: nil)
            #expect(history.map(\.reconciliation) == [.mismatch, nil])
        }
    }

    @Test(arguments: LedgerBackend.allCases)
    func reconciliationRowsAreAppendOnlyAndChecked(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let id = try await recordSnapshot(fixture, mismatch, shaSeed: 1).id.rawValue
            for sql in ["UPDATE snapshot_reconciliation SET status = 'reconciled' WHERE snapshot_id = \(id)",
                        "DELETE FROM snapshot_reconciliation WHERE snapshot_id = \(id)"] {
                await #expect(throws: SchemaRefusal.self, "\(sql)") { try await fixture.executeBehindTheLedger(sql) }
            }
            let other = try await recordSnapshot(fixture, nil, shaSeed: 2).id.rawValue
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
                await #expect(throws: SchemaRefusal.self, "\(values)") {
                    try await fixture.executeBehindTheLedger("""
                        INSERT INTO snapshot_reconciliation (status, export_count, export_amount_text,
                            before_count, before_amount_text, before_error, after_count, after_amount_text, after_error,
                            reason, snapshot_id, refetched) VALUES \(values.dropLast()), \(other), 0)
                        """)
                }
            }
        }
    }
}
