import Foundation
import Ledger
import LedgerTestSupport
import Testing
import UnpaidCore

/// The simple reads answer on PostgreSQL exactly what SQLite answers on the same history:
/// same values, exact decimals, same order, same errors.
@Suite struct QueryReadTests {
    @Test(arguments: [1, 2, 3] as [UInt64])
    func runsCountsAndSnapshotsMatchSQLite(seed: UInt64) async throws {
        let (sqlite, postgres) = try await LedgerFixture.onBoth { fixture in
            let ledger = fixture.ledger
            let history = try await QueryHistory.record(seed: seed, on: ledger)
            var reads = Reads(counts: try await ledger.counts(),
                              runs: try await ledger.runs(job: nil, status: nil, since: nil, limit: nil),
                              failedDailyRuns: try await ledger.runs(job: "daily", status: .failed, since: history.moments[3],
                                                                     limit: 2),
                              latest: try await ledger.latestSnapshotOfEverySeries(), head: try await ledger.chainHead(),
                              recorded: history.snapshots)
            for record in history.snapshots {
                #expect(try await ledger.snapshot(record.id) == record, "\(fixture.backend)")
                reads.snapshots.append(SnapshotReads(
                    previous: try await ledger.previousSnapshot(before: record.id), orders: try await ledger.orders(at: record.id),
                    changes: try await ledger.changes(in: record.id), changeRows: try await ledger.changeRows(in: record.id),
                    reconciliation: try await ledger.reconciliation(of: record.id)))
            }
            for moment in history.moments {
                for organizationID in [nil, 42] as [Int64?] {
                    reads.asOf.append(try await ledger.snapshots(asOf: moment, organizationID: organizationID, job: nil))
                }
            }
            return reads
        }
        #expect(postgres.counts == sqlite.counts && postgres.runs == sqlite.runs)
        #expect(postgres.failedDailyRuns == sqlite.failedDailyRuns && postgres.latest == sqlite.latest)
        expectAlike(postgres.recorded, sqlite.recorded)
        expectAlike(postgres.snapshots, sqlite.snapshots)
        expectAlike(postgres.asOf, sqlite.asOf)
        #expect(postgres.head == sqlite.head)
    }

    struct Reads: Equatable {
        var counts: LedgerCounts
        var runs: [RunRecord]
        var failedDailyRuns: [RunRecord]
        var latest: [SnapshotRecord]
        var head: ChainHead?
        var recorded: [SnapshotRecord]
        var snapshots: [SnapshotReads] = []
        var asOf: [[SnapshotRecord]] = []
    }

    struct SnapshotReads: Equatable {
        var previous: SnapshotRecord?
        var orders: [UnpaidOrder]
        var changes: [StoredChange]?
        var changeRows: [ChangeRow]
        var reconciliation: Reconciliation?
    }

    @Test(arguments: [4, 5] as [UInt64])
    func historyReconciliationAndHealthMatchSQLite(seed: UInt64) async throws {
        let watched = QueryHistory.series.map { WatchedSeries(job: $0.job, organizationID: $0.organizationID) }
            + [WatchedSeries(job: "never", organizationID: 7)]
        let (sqlite, postgres) = try await LedgerFixture.onBoth { fixture in
            let ledger = fixture.ledger
            let history = try await QueryHistory.record(seed: seed, on: ledger)
            let since = history.moments[4], until = history.moments[15]
            var failures: [[OrganizationFailure]] = []
            for series in QueryHistory.series {
                failures.append(try await ledger.failures(job: series.job, organizationID: series.organizationID, limit: 100))
            }
            return HealthReads(
                history: try await ledger.history(organizationID: nil, job: nil, since: nil, until: nil, limit: nil),
                seriesHistory: try await ledger.history(organizationID: 42, job: "monthly", since: since, until: until,
                                                        limit: 5),
                unreconciled: try await ledger.unreconciledSnapshots(job: nil, organizationID: nil, since: nil, until: nil,
                                                                     limit: nil),
                seriesUnreconciled: try await ledger.unreconciledSnapshots(job: "monthly", organizationID: 43, since: since,
                                                                           until: until, limit: 1),
                health: try await ledger.seriesHealth(watched), failures: failures,
                archived: try await ledger.archivedFiles(fetchedBefore: history.moments[12]))
        }
        #expect(postgres.history == sqlite.history && postgres.seriesHistory == sqlite.seriesHistory)
        #expect(postgres.unreconciled == sqlite.unreconciled && postgres.seriesUnreconciled == sqlite.seriesUnreconciled)
        #expect(postgres.health == sqlite.health)
        expectAlike(postgres.failures, sqlite.failures)
        #expect(postgres.archived == sqlite.archived)
    }

    struct HealthReads: Equatable {
        var history: [HistoryLine]
        var seriesHistory: [HistoryLine]
        var unreconciled: [UnreconciledSnapshot]
        var seriesUnreconciled: [UnreconciledSnapshot]
        var health: [SeriesHealth]
        var failures: [[OrganizationFailure]]
        var archived: [ArchivedFile]
    }

    @Test(arguments: LedgerBackend.allCases)
    func anUnknownSnapshotIsTheSameErrorOnEveryBackend(_ backend: LedgerBackend) async throws {
        let unknown = SnapshotID(rawValue: 9_999)
        try await LedgerFixture.with(backend) { fixture in
            let ledger = fixture.ledger
            _ = try await QueryHistory.record(seed: 6, steps: 4, on: ledger)
            await #expect(throws: LedgerError.unknownSnapshot(unknown)) { try await ledger.snapshot(unknown) }
            await #expect(throws: LedgerError.unknownSnapshot(unknown)) { try await ledger.previousSnapshot(before: unknown) }
            await #expect(throws: LedgerError.unknownSnapshot(unknown)) { try await ledger.orders(at: unknown) }
            #expect(try await ledger.changes(in: unknown) == nil)
            #expect(try await ledger.changeRows(in: unknown) == [])
        }
    }

    @Test func anArchiveRemovalIsRecordedOnceAndShowsInHistoryAsOnSQLite() async throws {
        let removedAt = Date(timeIntervalSince1970: 1_795_000_000)
        let (sqlite, postgres) = try await LedgerFixture.onBoth { fixture in
            let ledger = fixture.ledger
            let history = try await QueryHistory.record(seed: 7, steps: 6, on: ledger)
            for record in history.snapshots {
                for (offset, reason) in [(0.0, "retention 400d"), (60, "again")] {
                    try await ledger.recordArchiveRemoval(record.id, at: removedAt + offset, reason: reason)
                }
            }
            let files = try await ledger.archivedFiles(fetchedBefore: .distantFuture)
            #expect(files.count == history.snapshots.count && files.allSatisfy { $0.removal != nil }, "\(fixture.backend)")
            return (files, try await ledger.history(organizationID: nil, job: nil, since: nil, until: nil, limit: nil))
        }
        #expect(postgres.0 == sqlite.0)
        #expect(postgres.1 == sqlite.1)
    }
}
