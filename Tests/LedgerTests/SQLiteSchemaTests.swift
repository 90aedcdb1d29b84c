import Foundation
import GRDB
import Testing
@testable import SQLiteLedger
import Ledger
import LedgerTestSupport

@Suite struct SQLiteSchemaTests {
    @Test func migratesAnEmptyFileAndReopens() async throws {
        let fixture = try SQLiteFixture()
        let tables = try await fixture.ledger.pool.read { db in
            try String.fetchSet(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        #expect(tables.isSuperset(of: ["run", "series", "snapshot", "snapshot_total", "order_interval", "job_fire"]))
        let journal = try await fixture.ledger.pool.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        #expect(journal == "wal")
        let recorded = try await fixture.record([order("A", "1.5")], shaSeed: 1, minute: 0)

        let reopened = try SQLiteLedger(path: fixture.path)
        #expect(try reopened.snapshot(recorded.id) == recorded)
        await #expect(try reopened.pool.read { try LedgerSchema.migrator.hasCompletedMigrations($0) })
    }

    @Test func checksRejectBadRows() async throws {
        let fixture = try SQLiteFixture()
        try await fixture.record([order("A", "1")], shaSeed: 1, minute: 0)
        let snapshotColumns = "run_id, series_id, period_start, period_end, period_label, fetched_at_ms, file_name, file_size, sha256, archive_path, row_count"
        let goodSHA = String(repeating: "ab", count: 32)
        let rejected: [(String, String)] = [
            ("unknown run status", "INSERT INTO run (job, started_at_ms, status) VALUES ('j', 0, 'done')"),
            ("finished but running", "INSERT INTO run (job, started_at_ms, finished_at_ms, status) VALUES ('j', 0, 1, 'running')"),
            ("finished before start", "INSERT INTO run (job, started_at_ms, finished_at_ms, status) VALUES ('j', 5, 1, 'failed')"),
            ("end before start", "INSERT INTO snapshot (\(snapshotColumns)) VALUES (1, 1, 10, 10, 'l', 0, 'f', 1, '\(goodSHA)', 'a', 0)"),
            ("negative size", "INSERT INTO snapshot (\(snapshotColumns)) VALUES (1, 1, 1, 10, 'l', 0, 'f', -1, '\(goodSHA)', 'a', 0)"),
            ("short sha256", "INSERT INTO snapshot (\(snapshotColumns)) VALUES (1, 1, 1, 10, 'l', 0, 'f', 1, 'abc', 'a', 0)"),
            ("uppercase sha256", "INSERT INTO snapshot (\(snapshotColumns)) VALUES (1, 1, 1, 10, 'l', 0, 'f', 1, '\(goodSHA.uppercased())', 'a', 0)"),
            ("negative row count", "INSERT INTO snapshot (\(snapshotColumns)) VALUES (1, 1, 1, 10, 'l', 0, 'f', 1, '\(goodSHA)', 'a', -3)"),
            ("unknown run", "INSERT INTO snapshot (\(snapshotColumns)) VALUES (99, 1, 1, 10, 'l', 0, 'f', 1, '\(goodSHA)', 'a', 0)"),
            ("second snapshot of a series in one run", "INSERT INTO snapshot (\(snapshotColumns)) VALUES (1, 1, 1, 10, 'l', 0, 'f', 1, '\(goodSHA)', 'a', 0)"),
            ("zero count total", "INSERT INTO snapshot_total VALUES (1, 'EUR', 0, '0')"),
            ("duplicate currency total", "INSERT INTO snapshot_total VALUES (1, 'USD', 1, '1')"),
            ("editing a snapshot", "UPDATE snapshot SET file_size = 2"),
            ("deleting a total", "DELETE FROM snapshot_total"),
            ("renaming an order", "UPDATE order_interval SET order_no = 'B'"),
            ("closing before opening", "UPDATE order_interval SET closed_by_snapshot_id = 1"),
            ("second open interval", "INSERT INTO order_interval (series_id, order_no, currency, amount_text, first_snapshot_id) VALUES (1, 'A', 'USD', '2', 1)"),
            ("unfinishing a run", "UPDATE run SET status = 'running', finished_at_ms = NULL"),
        ]
        for badDecimal in ["1.", ".5", "01", "-0", "-0.00", "1e3", "1,5", "--1", "1-", "1.2.3", "", " 1", "NaN"] {
            #expect(throws: DatabaseError.self, "\(badDecimal)") {
                try fixture.ledger.pool.write { db in
                    try db.execute(sql: "INSERT INTO snapshot_total VALUES (1, 'EUR', 1, ?)", arguments: [badDecimal])
                }
            }
        }
        // Order amounts get the cheaper check (characters, last digit); Money validates on read.
        for badAmount in ["1.", "1e3", "1,5", "", " 1", "NaN", "12 USD"] {
            #expect(throws: DatabaseError.self, "\(badAmount)") {
                try fixture.ledger.pool.write { db in
                    try db.execute(sql: """
                        INSERT INTO order_interval (series_id, order_no, currency, amount_text, first_snapshot_id)
                        VALUES (1, 'Z', 'EUR', ?, 1)
                        """, arguments: [badAmount])
                }
            }
        }
        for (reason, sql) in rejected {
            #expect(throws: DatabaseError.self, "\(reason)") { try fixture.ledger.pool.write { try $0.execute(sql: sql) } }
        }
        // The same statements with good values pass, so the rejections above are the CHECKs.
        try await fixture.ledger.pool.write { db in
            for good in ["0", "0.00", "-1.5", "10", "123.4560", "0.000001"] {
                try db.execute(sql: "INSERT INTO snapshot_total VALUES (1, ?, 1, ?)", arguments: ["X\(good)", good])
            }
            try db.execute(sql: "INSERT INTO run (job, started_at_ms, finished_at_ms, status) VALUES ('j', 1, 5, 'failed')")
        }
    }

    @Test func aFileThatIsNotADatabaseIsNamed() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("ledger.sqlite").path
        try Data(repeating: 0x5A, count: 8192).write(to: URL(fileURLWithPath: path))

        let error = #expect(throws: LedgerError.self) { try SQLiteLedger(path: path) }
        guard case .notADatabase(let named, _) = error else {
            Issue.record("expected notADatabase, got \(String(describing: error))")
            return
        }
        #expect(named == path)
        #expect(error?.description.contains("\(path) is not an unpaidd ledger") == true)
    }

    @Test func aDatabaseFromANewerBuildIsRefused() async throws {
        let fixture = try SQLiteFixture()
        try await fixture.ledger.pool.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v9-from-the-future')")
        }
        #expect(throws: LedgerError.newerSchema(path: fixture.path, unknownMigrations: ["v9-from-the-future"])) {
            try SQLiteLedger(path: fixture.path)
        }
    }
}
