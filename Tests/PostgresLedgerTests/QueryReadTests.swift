import Foundation
import Ledger
import PostgresLedger
import PostgresTestSupport
import Testing
import UnpaidCore

/// The simple reads answer on PostgreSQL exactly what SQLite answers on the same history:
/// same values, exact decimals, same order, same errors.
@Suite struct QueryReadTests {
    @Test(arguments: [1, 2, 3] as [UInt64])
    func runsCountsAndSnapshotsMatchSQLite(seed: UInt64) async throws {
        let twin = try await QueryTwinHistory.make(seed: seed)
        let sqlite = twin.sqlite
        try await twin.withPostgres { (postgres: PostgresLedger) async throws in
            #expect(try await postgres.counts() == (try sqlite.counts()))
            #expect(try await postgres.runs(job: nil, status: nil, since: nil, limit: nil) == (try sqlite.runs()))
            #expect(try await postgres.runs(job: "daily", status: .failed, since: twin.moments[3], limit: 2)
                    == (try sqlite.runs(job: "daily", status: .failed, since: twin.moments[3], limit: 2)))
            #expect(try await postgres.latestSnapshotOfEverySeries() == (try sqlite.latestSnapshotOfEverySeries()))
            for record in twin.snapshots {
                #expect(try await postgres.snapshot(record.id) == record)
                #expect(try await postgres.previousSnapshot(before: record.id) == (try sqlite.previousSnapshot(before: record.id)))
                #expect(try await postgres.orders(at: record.id) == (try sqlite.orders(at: record.id)))
                #expect(try await postgres.changes(in: record.id) == (try sqlite.changes(in: record.id)))
                #expect(try await postgres.changeRows(in: record.id) == (try sqlite.changeRows(in: record.id)))
                #expect(try await postgres.reconciliation(of: record.id) == (try sqlite.reconciliation(of: record.id)))
            }
            for moment in twin.moments {
                for organizationID in [nil, 42] as [Int64?] {
                    #expect(try await postgres.snapshots(asOf: moment, organizationID: organizationID, job: nil)
                            == (try sqlite.snapshots(asOf: moment, organizationID: organizationID)))
                }
            }
            #expect(try await postgres.chainHead() == (try sqlite.chainHead()))
        }
    }

    @Test(arguments: [4, 5] as [UInt64])
    func historyReconciliationAndHealthMatchSQLite(seed: UInt64) async throws {
        let twin = try await QueryTwinHistory.make(seed: seed)
        let sqlite = twin.sqlite
        let since = twin.moments[4], until = twin.moments[15]
        try await twin.withPostgres { (postgres: PostgresLedger) async throws in
            #expect(try await postgres.history(organizationID: nil, job: nil, since: nil, until: nil, limit: nil)
                    == (try sqlite.history()))
            #expect(try await postgres.history(organizationID: 42, job: "monthly", since: since, until: until, limit: 5)
                    == (try sqlite.history(organizationID: 42, job: "monthly", since: since, until: until, limit: 5)))
            #expect(try await postgres.unreconciledSnapshots(job: nil, organizationID: nil, since: nil, until: nil, limit: nil)
                    == (try sqlite.unreconciledSnapshots()))
            #expect(try await postgres.unreconciledSnapshots(job: "monthly", organizationID: 43, since: since, until: until,
                                                             limit: 1)
                    == (try sqlite.unreconciledSnapshots(job: "monthly", organizationID: 43, since: since, until: until, limit: 1)))
            let watched = QueryTwinHistory.series.map { WatchedSeries(job: $0.job, organizationID: $0.organizationID) }
                + [WatchedSeries(job: "never", organizationID: 7)]
            #expect(try await postgres.seriesHealth(watched) == (try sqlite.seriesHealth(watched)))
            for series in QueryTwinHistory.series {
                #expect(try await postgres.failures(job: series.job, organizationID: series.organizationID, limit: 100)
                        == (try sqlite.failures(job: series.job, organizationID: series.organizationID)))
            }
            let cutoff = twin.moments[12]
            #expect(try await postgres.archivedFiles(fetchedBefore: cutoff) == (try sqlite.archivedFiles(fetchedBefore: cutoff)))
        }
    }

    @Test func anUnknownSnapshotIsTheSameErrorAsOnSQLite() async throws {
        let twin = try await QueryTwinHistory.make(seed: 6, steps: 4)
        let unknown = SnapshotID(rawValue: 9_999)
        try await twin.withPostgres { (postgres: PostgresLedger) async throws in
            await #expect(throws: LedgerError.unknownSnapshot(unknown)) { try await postgres.snapshot(unknown) }
            await #expect(throws: LedgerError.unknownSnapshot(unknown)) { try await postgres.previousSnapshot(before: unknown) }
            await #expect(throws: LedgerError.unknownSnapshot(unknown)) { try await postgres.orders(at: unknown) }
            #expect(try await postgres.changes(in: unknown) == nil)
            #expect(try await postgres.changeRows(in: unknown) == [])
        }
        #expect(throws: LedgerError.unknownSnapshot(unknown)) { try twin.sqlite.snapshot(unknown) }
    }

    @Test func anArchiveRemovalIsRecordedOnceAndShowsInHistoryAsOnSQLite() async throws {
        let twin = try await QueryTwinHistory.make(seed: 7, steps: 6)
        let removedAt = Date(timeIntervalSince1970: 1_795_000_000)
        try await twin.withPostgres { (postgres: PostgresLedger) async throws in
            for record in twin.snapshots {
                for (offset, reason) in [(0.0, "retention 400d"), (60, "again")] {
                    try await postgres.recordArchiveRemoval(record.id, at: removedAt + offset, reason: reason)
                    try twin.sqlite.recordArchiveRemoval(record.id, at: removedAt + offset, reason: reason)
                }
            }
            let files = try await postgres.archivedFiles(fetchedBefore: .distantFuture)
            #expect(files.count == twin.snapshots.count && files.allSatisfy { $0.removal != nil })
            #expect(files == (try twin.sqlite.archivedFiles(fetchedBefore: .distantFuture)))
            #expect(try await postgres.history(organizationID: nil, job: nil, since: nil, until: nil, limit: nil)
                    == (try twin.sqlite.history()))
        }
    }

    @Test func aCopyIntoALedgerThatHoldsRowsIsRefusedAndWritesNothing() async throws {
        let twin = try await QueryTwinHistory.make(seed: 8, steps: 3)
        try await twin.withPostgres { (postgres: PostgresLedger) async throws in
            let before = try await postgres.counts()
            await #expect(throws: LedgerCopyError.targetNotEmpty(location: "\(twin.location)", table: "run")) {
                try await postgres.copy(from: twin.sqlite)
            }
            #expect(try await postgres.counts() == before)
            #expect(before == (try twin.sqlite.counts()))
        }
    }

    /// Pages of one row: every page starts after the last row's key, compared by the key
    /// column's type (run 10 comes after run 9, not between 1 and 2), so no row is skipped
    /// or copied twice however the table is cut.
    @Test func aCopyInPagesOfOneRowCopiesEveryRowOnce() async throws {
        let twin = try await QueryTwinHistory.make(seed: 11, steps: 30)
        func fresh<Result>(_ body: (PostgresLedger) async throws -> Result) async throws -> Result {
            try await PostgresLedger.withLedger(try await TestPostgresCluster.shared.freshDatabase(),
                                                environment: twin.environment, logger: QueryTwinHistory.logger,
                                                maximumConnections: 2, body)
        }
        let whole = try await fresh { try await $0.copy(from: twin.sqlite) }
        try await fresh { postgres in
            var reported: [String: Int] = [:]
            let copied = try await postgres.copy(from: twin.sqlite, pageRows: 1) { table, rows in reported[table] = rows }
            #expect(copied.map(\.table) == whole.map(\.table))
            #expect(copied.map(\.rows) == whole.map(\.rows))
            #expect(copied.first { $0.table == "run" }.map(\.rows) ?? 0 > 10)
            #expect(reported.filter { $0.value > 0 } == Dictionary(uniqueKeysWithValues: copied.filter { $0.rows > 0 }))
            #expect(try await postgres.counts() == (try twin.sqlite.counts()))
            #expect(try await postgres.chainHead() == (try twin.sqlite.chainHead()))
            #expect(try await postgres.history(organizationID: nil, job: nil, since: nil, until: nil, limit: nil)
                    == (try twin.sqlite.history()))
        }
    }
}
