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
