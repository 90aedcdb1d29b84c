import Foundation
import Ledger
import LedgerTestSupport
import Logging
import PostgresLedger
import PostgresTestSupport
import Testing

/// Copying a SQLite ledger into PostgreSQL (`unpaidd ledger copy`): ids kept, every row
/// once, and never into a ledger that already holds rows.
@Suite struct PostgresCopyTests {
    static let logger = Logger(label: "postgres-copy-tests", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A SQLite ledger holding a random history, as the copy's source.
    static func withSQLiteSource<Result>(seed: UInt64, steps: Int,
                                         _ body: (any LedgerCopySource & Ledger) async throws -> Result) async throws -> Result {
        try await LedgerFixture.with(.sqlite) { fixture in
            _ = try await QueryHistory.record(seed: seed, steps: steps, on: fixture.ledger)
            return try await body(try #require(fixture.ledger as? any LedgerCopySource & Ledger))
        }
    }

    static func withFreshPostgres<Result>(_ body: (PostgresLedger) async throws -> Result) async throws -> Result {
        let cluster = TestPostgresCluster.shared
        return try await PostgresLedger.withLedger(try await cluster.freshDatabase(), environment: try await cluster.environment(),
                                                   logger: logger, maximumConnections: 2, body)
    }

    @Test func aCopyIntoALedgerThatHoldsRowsIsRefusedAndWritesNothing() async throws {
        try await Self.withSQLiteSource(seed: 8, steps: 3) { sqlite in
            try await Self.withFreshPostgres { postgres in
                _ = try await postgres.copy(from: sqlite)
                let before = try await postgres.counts()
                await #expect(throws: LedgerCopyError.targetNotEmpty(location: postgres.location, table: "run")) {
                    try await postgres.copy(from: sqlite)
                }
                #expect(try await postgres.counts() == before)
                #expect(before == (try await sqlite.counts()))
            }
        }
    }

    /// Pages of one row: every page starts after the last row's key, compared by the key
    /// column's type (run 10 comes after run 9, not between 1 and 2), so no row is skipped
    /// or copied twice however the table is cut.
    @Test func aCopyInPagesOfOneRowCopiesEveryRowOnce() async throws {
        try await Self.withSQLiteSource(seed: 11, steps: 30) { sqlite in
            let whole = try await Self.withFreshPostgres { try await $0.copy(from: sqlite) }
            try await Self.withFreshPostgres { postgres in
                var reported: [String: Int] = [:]
                let copied = try await postgres.copy(from: sqlite, pageRows: 1) { table, rows in reported[table] = rows }
                #expect(copied.map(\.table) == whole.map(\.table))
                #expect(copied.map(\.rows) == whole.map(\.rows))
                #expect(copied.first { $0.table == "run" }.map(\.rows) ?? 0 > 10)
                #expect(reported.filter { $0.value > 0 } == Dictionary(uniqueKeysWithValues: copied.filter { $0.rows > 0 }))
                #expect(try await postgres.counts() == (try await sqlite.counts()))
                #expect(try await postgres.chainHead() == (try await sqlite.chainHead()))
                #expect(try await postgres.history(organizationID: nil, job: nil, since: nil, until: nil, limit: nil)
                        == (try await sqlite.history(organizationID: nil, job: nil, since: nil, until: nil, limit: nil)))
            }
        }
    }
}
