import Foundation
import Testing
import UnpaidCore
@testable import SQLiteLedger
import Ledger

@Suite struct QueryTests {
    @Test func historyHasALinePerSnapshotAndCurrencyAndFilters() async throws {
        let fixture = try LedgerFixture()
        let first = try fixture.record([order("A", "1.10"), order("B", "2.205", currency: "CNY")],
                                       organizationID: 42, shaSeed: 1, minute: 0)
        let other = try fixture.record([order("C", "7", organizationID: 43)], organizationID: 43, shaSeed: 2, minute: 1)
        let empty = try fixture.record([], organizationID: 42, shaSeed: 3, minute: 2)
        let daily = try fixture.record([order("A", "1.1")], job: "daily", organizationID: 42, shaSeed: 4, minute: 3)

        let all = try fixture.ledger.history()
        #expect(all.map(\.snapshotID) == [first.id, first.id, other.id, empty.id, daily.id])
        #expect(all.map(\.currency) == ["CNY", "USD", "USD", nil, "USD"])
        #expect(all.map(\.total.description) == ["2.205", "1.10", "7", "0", "1.1"])
        #expect(all.map(\.orderCount) == [1, 1, 1, 0, 1])
        #expect(all[0].runID == first.runID && all[0].periodLabel == "2026-10-01_2026-11-01")
        #expect(all[0].window == LedgerFixture.window && all[0].fetchedAt == LedgerFixture.base)

        #expect(try fixture.ledger.history(organizationID: 43).map(\.snapshotID) == [other.id])
        #expect(try fixture.ledger.history(job: "daily").map(\.snapshotID) == [daily.id])
        #expect(try fixture.ledger.history(organizationID: 42, job: "monthly").map(\.snapshotID)
                    == [first.id, first.id, empty.id])
        let since = LedgerFixture.base.addingTimeInterval(60), until = LedgerFixture.base.addingTimeInterval(180)
        #expect(try fixture.ledger.history(since: since, until: until).map(\.snapshotID) == [other.id, empty.id])
        #expect(try fixture.ledger.history(limit: 2).map(\.snapshotID) == [empty.id, daily.id])
    }

    @Test func runsAreListedNewestFirst() async throws {
        let fixture = try LedgerFixture()
        let base = LedgerFixture.base
        let ok = try fixture.ledger.startRun(job: "monthly", startedAt: base)
        try fixture.ledger.finishRun(ok, status: .succeeded, error: nil, finishedAt: base.addingTimeInterval(1))
        let partial = try fixture.ledger.startRun(job: "monthly", startedAt: base.addingTimeInterval(10))
        try fixture.ledger.finishRun(partial, status: .partial, error: "org 43: HTTP 503",
                                     finishedAt: base.addingTimeInterval(12))
        let running = try fixture.ledger.startRun(job: "daily", startedAt: base.addingTimeInterval(20))

        let runs = try fixture.ledger.runs()
        #expect(runs.map(\.id) == [running, partial, ok])
        #expect(runs.map(\.status) == [.running, .partial, .succeeded])
        #expect(runs[0].finishedAt == nil && runs[1].finishedAt == base.addingTimeInterval(12))
        #expect(try fixture.ledger.runs(limit: 1).map(\.id) == [running])
        #expect(try fixture.ledger.runs(status: .partial).map(\.error) == ["org 43: HTTP 503"])
        #expect(throws: LedgerError.finishedAsRunning(running)) {
            try fixture.ledger.finishRun(running, status: .running, error: nil, finishedAt: base)
        }
        #expect(throws: LedgerError.unknownRun(RunID(rawValue: 99))) {
            try fixture.ledger.finishRun(RunID(rawValue: 99), status: .failed, error: "x", finishedAt: base)
        }
    }

    @Test func jobFiresAreRememberedAcrossReopening() async throws {
        let fixture = try LedgerFixture()
        #expect(try fixture.ledger.lastFire(job: "monthly") == nil)
        try fixture.ledger.recordFire(job: "monthly", scheduledAt: LedgerFixture.base)
        try fixture.ledger.recordFire(job: "monthly", scheduledAt: LedgerFixture.base.addingTimeInterval(86_400))
        try fixture.ledger.recordFire(job: "daily", scheduledAt: LedgerFixture.base)
        let reopened = try SQLiteLedger(path: fixture.path)
        #expect(try reopened.lastFire(job: "monthly") == LedgerFixture.base.addingTimeInterval(86_400))
        #expect(try reopened.lastFire(job: "daily") == LedgerFixture.base)
    }

    @Test func unknownSnapshotsAreNamed() async throws {
        let fixture = try LedgerFixture()
        let missing = SnapshotID(rawValue: 5)
        #expect(throws: LedgerError.unknownSnapshot(missing)) { try fixture.ledger.orders(at: missing) }
        #expect(throws: LedgerError.unknownSnapshot(missing)) { try fixture.ledger.previousSnapshot(before: missing) }
        #expect(try fixture.ledger.latestSnapshot(job: "monthly", organizationID: 42) == nil)
    }
}
