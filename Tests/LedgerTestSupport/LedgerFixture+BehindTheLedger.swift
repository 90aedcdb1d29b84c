import Foundation
import GRDB
import Ledger
import Logging
import PostgresLedger
import PostgresNIO
import PostgresTestSupport

/// A rule of the schema (CHECK, key, foreign key, trigger) refused a statement run behind
/// the ledger: what invariant tests expect, rather than any error, which a typo would also be.
public struct SchemaRefusal: Error, CustomStringConvertible {
    public let backend: LedgerBackend
    public let detail: String
    public var description: String { "\(backend) refused: \(detail)" }
}

/// A query given to ``LedgerFixture/textsBehindTheLedger(_:)`` selected no text, or more than one.
public struct SelectedNotOneText: Error, CustomStringConvertible {
    public let backend: LedgerBackend
    public let sql: String
    public let columns: [String]
    public var description: String {
        "\(backend): expected one non-NULL column per row, got \(columns) from: \(sql)"
    }
}

/// The tests that go around the ledger's API: an intruder editing history, a BI tool reading
/// the tables. Each helper takes the test's own literal SQL, valid in both dialects (the
/// backends share table and column names); statements are separated by `;`, and no literal
/// holds one. What differs between the engines is here, never in a test.
extension LedgerFixture {
    /// Runs `sql` as the daemon's own database user, in one transaction, with every rule of
    /// the schema in force.
    /// - Throws: ``SchemaRefusal`` when a rule refused it; any other error as it came.
    public func executeBehindTheLedger(_ sql: String) async throws {
        switch database {
        case .sqlite(let path):
            do {
                try await DatabaseQueue(path: path).write { try $0.execute(sql: sql) }
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                throw SchemaRefusal(backend: backend, detail: error.message ?? "\(error)")
            }
        case .postgres(let postgres, _, _, let logger):
            do {
                try await postgres.write { connection in
                    for statement in Self.statements(of: sql) {
                        _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                }
            } catch let error as PostgresLedgerError {
                guard case .invariantViolated = error else { throw error }
                throw SchemaRefusal(backend: backend, detail: "\(error)")
            }
        }
    }

    /// Runs `sql` as someone holding the whole database would: past the append-only
    /// triggers, which the tamper evidence must not rely on. SQLite's triggers are dropped
    /// for the rest of the test; on PostgreSQL the superuser runs `sql` with
    /// `session_replication_role = replica`, which also skips foreign keys, in one transaction.
    /// CHECK constraints hold on both.
    public func tamper(_ sql: String) async throws {
        switch database {
        case .sqlite(let path):
            try await DatabaseQueue(path: path).write { db in
                for trigger in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger'") {
                    try db.execute(sql: "DROP TRIGGER \"\(trigger)\"")
                }
                try db.execute(sql: sql)
            }
        case .postgres(_, let location, _, let logger):
            try await TestPostgresCluster.shared.asAdministrator(database: location.database) { connection in
                let statements = ["BEGIN", "SET LOCAL session_replication_role = replica"] + Self.statements(of: sql)
                    + ["COMMIT"]
                for statement in statements {
                    _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
            }
        }
    }

    /// The rows of one SELECT, read behind the ledger: column name to value as text (integers
    /// in decimal, blobs in hex); a NULL column is absent.
    public func rowsBehindTheLedger(_ sql: String) async throws -> [[String: String]] {
        switch database {
        case .sqlite(let path):
            return try await DatabaseQueue(path: path).read { db in
                try Row.fetchAll(db, sql: sql).map { row in
                    var texts: [String: String] = [:]
                    for (column, value) in row {
                        switch value.storage {
                        case .null: continue
                        case .int64(let integer): texts[column] = String(integer)
                        case .double(let real): texts[column] = String(real)
                        case .string(let text): texts[column] = text
                        case .blob(let bytes): texts[column] = bytes.map { String(format: "%02x", $0) }.joined()
                        }
                    }
                    return texts
                }
            }
        case .postgres(let postgres, _, _, let logger):
            // Each row as a JSON object of its columns' texts, whatever their types.
            let wrapped = """
                SELECT (SELECT json_object_agg(key, value) FROM json_each_text(row_to_json(selected)))::text
                FROM (\(sql)) AS selected
                """
            return try await postgres.read { connection in
                var rows: [[String: String]] = []
                let objects = try await connection.query(PostgresQuery(unsafeSQL: wrapped), logger: logger)
                for try await object in objects.decode(String.self) {
                    let decoded = try JSONSerialization.jsonObject(with: Data(object.utf8)) as? [String: Any] ?? [:]
                    rows.append(decoded.compactMapValues { $0 as? String })
                }
                return rows
            }
        }
    }

    /// The one column of each row `sql` selects, as text: for the tests that compare what two
    /// backends stored, each row written out by the test's own literal.
    public func textsBehindTheLedger(_ sql: String) async throws -> [String] {
        try await rowsBehindTheLedger(sql).map { row in
            guard row.count == 1, let text = row.values.first else {
                throw SelectedNotOneText(backend: backend, sql: sql, columns: row.keys.sorted())
            }
            return text
        }
    }

    /// How many rows each table of the database holds, bookkeeping tables included.
    public func rowCountsBehindTheLedger() async throws -> [String: Int] {
        switch database {
        case .sqlite(let path):
            return try await DatabaseQueue(path: path).read { db in
                var counts: [String: Int] = [:]
                let tables = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                for table in try String.fetchAll(db, sql: tables) {
                    counts[table] = try Int.fetchOne(db, sql: "SELECT count(*) FROM \"\(table)\"")
                }
                return counts
            }
        case .postgres(let postgres, _, _, let logger):
            return try await postgres.read { connection in
                var tables: [String] = []
                let names = try await connection.query("""
                    SELECT table_name::text FROM information_schema.tables
                    WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
                    """, logger: logger)
                for try await name in names.decode(String.self) { tables.append(name) }
                var counts: [String: Int] = [:]
                for table in tables {
                    let rows = try await connection.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \"\(table)\""),
                                                          logger: logger)
                    for try await count in rows.decode(Int.self) { counts[table] = count }
                }
                return counts
            }
        }
    }

    private static func statements(of sql: String) -> [String] {
        sql.split(separator: ";").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }
}
