import Foundation
import Logging
import PostgresNIO
import PostgresTestSupport
import Testing
@testable import PostgresLedger

/// A migrated ledger in its own database with a small recorded history written in plain SQL:
/// one run, two series, a snapshot of each, a total and an open interval per snapshot. The
/// schema tests break its rules one at a time.
struct SchemaHistory {
    static let logger = Logger(label: "postgres-schema-tests", factory: { _ in SwiftLogNoOpLogHandler() })
    static let hash0 = String(repeating: "0", count: 64)
    static let hashA = String(repeating: "a", count: 64)
    static let hashB = String(repeating: "b", count: 64)

    let location: PostgresLocation
    let environment: [String: String]

    static func make() async throws -> SchemaHistory {
        let history = SchemaHistory(location: try await TestPostgresCluster.shared.freshDatabase(),
                                    environment: try await TestPostgresCluster.shared.environment())
        try await history.execute([
            "INSERT INTO run (id, job, started_at_ms, status) VALUES (1, 'monthly', 1000, 'running')",
            "INSERT INTO series (id, job, organization_id) VALUES (1, 'monthly', 42), (2, 'monthly', 43)",
            snapshotInsert(id: 1, series: 1),
            snapshotInsert(id: 2, series: 2),
            "INSERT INTO snapshot_total VALUES (1, 'CNY', 1, '12.50'), (2, 'USD', 1, '3')",
            """
            INSERT INTO order_interval (series_id, order_no, currency, amount_text, first_snapshot_id)
            VALUES (1, 'ORD-1', 'CNY', '12.50', 1), (2, 'ORD-9', 'USD', '3', 2)
            """,
        ])
        return history
    }

    /// A second run with a later snapshot (id 3) of series 1, which can close its intervals.
    static let laterSnapshot = [
        "INSERT INTO run (id, job, started_at_ms, status) VALUES (2, 'monthly', 1500, 'running')",
        snapshotInsert(id: 3, series: 1, run: 2),
    ]

    static func snapshotInsert(id: Int, series: Int, run: Int = 1) -> String {
        """
        INSERT INTO snapshot (id, run_id, series_id, period_start, period_end, period_label, fetched_at_ms,
                              file_name, file_size, sha256, archive_path, row_count)
        VALUES (\(id), \(run), \(series), 100, 200, '2026-11', \(1_793_000_000_000 + id * 60_000),
                'export-\(id).xlsx', 10, '\(hashA)', 'archive/export-\(id).xlsx', 1)
        """
    }

    func withLedger<Result>(_ body: (PostgresLedger) async throws -> Result) async throws -> Result {
        try await PostgresLedger.withLedger(location, environment: environment, logger: Self.logger,
                                            maximumConnections: 1, body)
    }

    /// Runs the statements in one transaction.
    func execute(_ statements: [String]) async throws {
        try await PostgresLedger.withLedger(location, environment: environment, logger: Self.logger,
                                            maximumConnections: 1) { ledger in
            try await ledger.write { connection in
                for statement in statements {
                    _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: Self.logger)
                }
            }
        }
    }

    /// The statement's refusal, or nil (and a recorded issue) when the database accepted it.
    func refusal(_ statement: String, sourceLocation: SourceLocation = #_sourceLocation) async -> PostgresLedgerError? {
        do {
            try await execute([statement])
            Issue.record("the ledger accepted: \(statement)", sourceLocation: sourceLocation)
            return nil
        } catch let error as PostgresLedgerError {
            return error
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    /// Expects the statement refused as a broken rule of `table`, its message containing `words`.
    func expectRefused(_ statement: String, table: String, saying words: String,
                       sourceLocation: SourceLocation = #_sourceLocation) async {
        guard let error = await refusal(statement, sourceLocation: sourceLocation) else { return }
        guard case .invariantViolated(let refusedTable, _, let detail) = error else {
            Issue.record("expected invariantViolated, got \(error)", sourceLocation: sourceLocation)
            return
        }
        #expect(refusedTable == table, sourceLocation: sourceLocation)
        #expect(detail.contains(words), "\(detail)", sourceLocation: sourceLocation)
    }

    func strings(_ query: String) async throws -> [String] {
        try await PostgresLedger.withLedger(location, environment: environment, logger: Self.logger,
                                            maximumConnections: 1) { ledger in
            try await ledger.read { connection in
                var values: [String] = []
                for try await value in try await connection.query(PostgresQuery(unsafeSQL: query), logger: Self.logger)
                    .decode(String.self) {
                    values.append(value)
                }
                return values
            }
        }
    }
}
