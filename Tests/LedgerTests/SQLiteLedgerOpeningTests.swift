import Foundation
import GRDB
import Testing
@testable import SQLiteLedger
import Ledger
import LedgerTestSupport

/// Only recording creates a ledger: queries open an existing one read-only.
@Suite struct SQLiteLedgerOpeningTests {
    @Test func aQueryOnAMissingLedgerIsRefusedAndCreatesNothing() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-open-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let path = root.appendingPathComponent("state/ledger.sqlite").path

        #expect(throws: LedgerError.missing(path: path)) { try SQLiteLedger.openForReading(path: path) }
        #expect(throws: LedgerError.missing(path: path)) { try SQLiteLedger.openExisting(path: path) }
        #expect(!FileManager.default.fileExists(atPath: root.path), "a query created \(root.path)")
        #expect(LedgerError.missing(path: path).description.contains("[storage] database"))
    }

    @Test func aReadOnlyLedgerAnswersQueriesAndRefusesWrites() async throws {
        let fixture = try SQLiteFixture()
        let recorded = try await fixture.record([order("A", "1.5")], shaSeed: 1, minute: 0)

        let reader = try SQLiteLedger.openForReading(path: fixture.path)
        #expect(try reader.snapshot(recorded.id) == recorded)
        #expect(try reader.history(organizationID: nil, job: nil, since: nil, limit: nil).count == 1)
        #expect(throws: DatabaseError.self) { try reader.startRun(job: "monthly", startedAt: Date()) }
        #expect(try fixture.ledger.runs().count == 1)
    }

    @Test func anOlderLedgerIsRefusedByQueriesAndUpgradedByAWriter() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-old-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let path = root.appendingPathComponent("ledger.sqlite").path
        let migrator = LedgerSchema.migrator
        let first = try #require(migrator.migrations.first)
        try migrator.migrate(DatabasePool(path: path), upTo: first)
        let missing = Array(migrator.migrations.dropFirst())

        let error = #expect(throws: LedgerError.olderSchema(path: path, missingMigrations: missing)) {
            try SQLiteLedger.openForReading(path: path)
        }
        #expect(error?.description.contains("unpaidd run --once") == true)
        let upgraded = try SQLiteLedger.openExisting(path: path)
        await #expect(try upgraded.pool.read { try migrator.hasCompletedMigrations($0) })
        _ = try SQLiteLedger.openForReading(path: path)
    }
}

/// The ledger holds the same data as the owner-only archive.
@Suite struct SQLiteFileModeTests {
    @Test func aNewLedgerItsWALAndItsDirectoryAreOwnerOnlyUnderUmask022() async throws {
        let previous = umask(0o022)
        defer { umask(previous) }
        let fixture = try SQLiteFixture()
        try await fixture.record([order("A", "1.5")], shaSeed: 1, minute: 0)

        #expect(try mode(fixture.directory.appendingPathComponent("state").path) == 0o700)
        for file in [fixture.path, fixture.path + "-wal", fixture.path + "-shm"] {
            #expect(try mode(file) == 0o600, "\(file)")
        }
    }

    @Test func aWorldReadableLedgerFromAnOlderBuildIsTightenedByAWriter() async throws {
        let fixture = try SQLiteFixture()
        for file in [fixture.path, fixture.path + "-wal", fixture.path + "-shm"] { chmod(file, 0o644) }

        _ = try SQLiteLedger.openForReading(path: fixture.path)
        #expect(try mode(fixture.path) == 0o644, "a read-only open changes nothing")
        _ = try SQLiteLedger(path: fixture.path)
        for file in [fixture.path, fixture.path + "-wal", fixture.path + "-shm"] {
            #expect(try mode(file) == 0o600, "\(file)")
        }
    }

    private func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return try #require(attributes[.posixPermissions] as? Int)
    }
}

/// Two processes that open one ledger at the same moment (a daemon starting while an
/// operator requeues deliveries, both after an upgrade) both find it migrated: neither
/// fails on a migration the other applied a moment before.
@Suite struct SQLiteConcurrentMigrationTests {
    @Test(arguments: 0..<12)
    func writersOpeningANewLedgerAtOnceBothSucceed(round: Int) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-race-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let path = root.appendingPathComponent("ledger.sqlite").path
        let opened = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<3 {
                group.addTask { try SQLiteLedger(path: path).runs().count }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(opened == [0, 0, 0])
        let applied = try await SQLiteLedger.openForReading(path: path).pool.read { try LedgerSchema.migrator.appliedIdentifiers($0) }
        #expect(applied == Set(LedgerSchema.migrator.migrations))
    }
}
