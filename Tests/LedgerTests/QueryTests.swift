import Foundation
import Testing
import UnpaidCore
import Ledger
import LedgerTestSupport

@Suite struct QueryTests {
    @Test(arguments: LedgerBackend.allCases)
    func historyHasALinePerSnapshotAndCurrencyAndFilters(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let first = try await fixture.record([order("A", "1.10"), order("B", "2.205", currency: "CNY")],
                                           organizationID: 42, shaSeed: 1, minute: 0)
            let other = try await fixture.record([order("C", "7", organizationID: 43)], organizationID: 43, shaSeed: 2, minute: 1)
            let empty = try await fixture.record([], organizationID: 42, shaSeed: 3, minute: 2)
            let daily = try await fixture.record([order("A", "1.1")], job: "daily", organizationID: 42, shaSeed: 4, minute: 3)

            let all = try await fixture.ledger.history(organizationID: nil, job: nil, since: nil, until: nil, limit: nil)
            #expect(all.map(\.snapshotID) == [first.id, first.id, other.id, empty.id, daily.id])
            #expect(all.map(\.currency) == ["CNY", "USD", "USD", nil, "USD"])
            #expect(all.map(\.total.description) == ["2.205", "1.10", "7", "0", "1.1"])
            #expect(all.map(\.orderCount) == [1, 1, 1, 0, 1])
            #expect(all[0].runID == first.runID && all[0].periodLabel == "2026-10-01_2026-11-01")
            #expect(all[0].window == LedgerFixture.window && all[0].fetchedAt == LedgerFixture.base)

            #expect(try await fixture.ledger.history(organizationID: 43, job: nil, since: nil, until: nil, limit: nil).map(\.snapshotID) == [other.id])
            #expect(try await fixture.ledger.history(organizationID: nil, job: "daily", since: nil, until: nil, limit: nil).map(\.snapshotID) == [daily.id])
            #expect(try await fixture.ledger.history(organizationID: 42, job: "monthly", since: nil, until: nil, limit: nil).map(\.snapshotID)
                        == [first.id, first.id, empty.id])
            let since = LedgerFixture.base.addingTimeInterval(60), until = LedgerFixture.base.addingTimeInterval(180)
            #expect(try await fixture.ledger.history(organizationID: nil, job: nil, since: since, until: until, limit: nil).map(\.snapshotID) == [other.id, empty.id])
            #expect(try await fixture.ledger.history(organizationID: nil, job: nil, since: nil, until: nil, limit: 2).map(\.snapshotID) == [empty.id, daily.id])
        }
    }

    @Test(arguments: LedgerBackend.allCases)
    func runsAreListedNewestFirst(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let base = LedgerFixture.base
            let ok = try await fixture.ledger.startRun(job: "monthly", startedAt: base)
            try await fixture.ledger.finishRun(ok, status: .succeeded, error: nil, finishedAt: base.addingTimeInterval(1))
            let partial = try await fixture.ledger.startRun(job: "monthly", startedAt: base.addingTimeInterval(10))
            try await fixture.ledger.finishRun(partial, status: .partial, error: "org 43: HTTP 503",
                                         finishedAt: base.addingTimeInterval(12))
            let running = try await fixture.ledger.startRun(job: "daily", startedAt: base.addingTimeInterval(20))

            let runs = try await fixture.ledger.runs(job: nil, status: nil, since: nil, limit: nil)
            #expect(runs.map(\.id) == [running, partial, ok])
            #expect(runs.map(\.status) == [.running, .partial, .succeeded])
            #expect(runs[0].finishedAt == nil && runs[1].finishedAt == base.addingTimeInterval(12))
            #expect(try await fixture.ledger.runs(job: nil, status: nil, since: nil, limit: 1).map(\.id) == [running])
            #expect(try await fixture.ledger.runs(job: nil, status: .partial, since: nil, limit: nil).map(\.error) == ["org 43: HTTP 503"])
            await #expect(throws: LedgerError.finishedAsRunning(running)) {
                try await fixture.ledger.finishRun(running, status: .running, error: nil, finishedAt: base)
            }
            await #expect(throws: LedgerError.unknownRun(RunID(rawValue: 99))) {
                try await fixture.ledger.finishRun(RunID(rawValue: 99), status: .failed, error: "x", finishedAt: base)
            }
        }
    }

    @Test(arguments: LedgerBackend.allCases)
    func jobFiresAreRememberedAcrossReopening(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            #expect(try await fixture.ledger.lastFire(job: "monthly") == nil)
            try await fixture.ledger.recordFire(job: "monthly", scheduledAt: LedgerFixture.base)
            try await fixture.ledger.recordFire(job: "monthly", scheduledAt: LedgerFixture.base.addingTimeInterval(86_400))
            try await fixture.ledger.recordFire(job: "daily", scheduledAt: LedgerFixture.base)
            try await fixture.reopened { reopened async throws in
                #expect(try await reopened.lastFire(job: "monthly") == LedgerFixture.base.addingTimeInterval(86_400))
                #expect(try await reopened.lastFire(job: "daily") == LedgerFixture.base)
            }
        }
    }

    @Test(arguments: LedgerBackend.allCases)
    func unknownSnapshotsAreNamed(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture async throws in
            let missing = SnapshotID(rawValue: 5)
            await #expect(throws: LedgerError.unknownSnapshot(missing)) { try await fixture.ledger.orders(at: missing) }
            await #expect(throws: LedgerError.unknownSnapshot(missing)) { try await fixture.ledger.previousSnapshot(before: missing) }
            #expect(try await fixture.ledger.latestSnapshot(job: "monthly", organizationID: 42) == nil)
        }
    }
}
