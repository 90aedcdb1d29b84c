import Foundation
import GRDB
import Ledger
import Logging
import PostgresLedger
import PostgresTestSupport
import SQLiteLedger
import Testing
import UnpaidDaemon

/// `unpaidd ledger copy` as an operator runs it: a SQLite history the real binary recorded
/// against the simulator moves into the test PostgreSQL server with its ids, is checked,
/// and a second copy into the same database is refused without touching it.
@Suite(.serialized, .enabled(if: BuiltProducts.available, Comment(rawValue: BuiltProducts.missing)))
struct LedgerCopyProcessTests {
    static let logger = Logger(label: "ledger-copy-tests", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test func aRecordedHistoryMovesWithItsIdsAndACopyOverItIsRefused() async throws {
        let fixture = try await DaemonFixture.start()
        defer { fixture.stop() }
        try fixture.writeConfig()
        for phase in [1, 2] {
            // Customers pay and spend between the runs, so the second snapshots differ.
            if phase > 1 { try await fixture.setPhase(phase) }
            let once = try unpaidd(fixture, ["run", "--once", "--config", fixture.configPath], log: "once-\(phase)")
            #expect(try await once.exitStatus() == 0, "\(once.log)")
        }
        let location = try await TestPostgresCluster.shared.freshDatabase()
        let environment = try await TestPostgresCluster.shared.environment()

        let copy = try unpaidd(fixture, copyArguments(fixture, to: Self.url(of: location)), log: "copy",
                               environment: environment)
        #expect(try await copy.exitStatus() == 0, "\(copy.log)")
        #expect(copy.log.contains("checked: 4 snapshots, every total per currency matches the source"), "\(copy.log)")
        #expect(copy.log.contains("on both; the copy verifies"), "\(copy.log)")
        #expect(!copy.log.contains(environment[TestPostgresCluster.passwordVariable]!), "\(copy.log)")

        let sqlite = try SQLiteLedger.openForReading(path: fixture.database)
        let head = try #require(try sqlite.chainHead())
        #expect(copy.log.contains("chain head \(head) on both"), "\(copy.log)")
        try await PostgresLedger.withLedger(location, environment: environment, logger: Self.logger) { (postgres: PostgresLedger) async throws in
            #expect(try await postgres.history(organizationID: nil, job: nil, since: nil, until: nil, limit: nil)
                    == (try sqlite.history()))
            #expect(try await postgres.runs(job: nil, status: nil, since: nil, limit: nil) == (try sqlite.runs()))
            #expect(try await postgres.chainHead() == head)
        }

        let again = try unpaidd(fixture, copyArguments(fixture, to: Self.url(of: location)), log: "again",
                                environment: environment)
        #expect(try await again.exitStatus() != 0, "\(again.log)")
        #expect(again.log.contains("already holds rows in run; copy into a new, empty database"), "\(again.log)")
        try await PostgresLedger.withLedger(location, environment: environment, logger: Self.logger) { (postgres: PostgresLedger) async throws in
            #expect(try await postgres.counts() == (try sqlite.counts()))
        }
    }

    /// A source whose stored figures were altered behind the ledger's back copies with the
    /// same totals and head, so comparing them proves nothing: the copy's own verify fails.
    @Test func aSourceAlteredBehindTheLedgersBackIsNotBlessedByItsCopy() async throws {
        let fixture = try await DaemonFixture.start()
        defer { fixture.stop() }
        try fixture.writeConfig()
        let once = try unpaidd(fixture, ["run", "--once", "--config", fixture.configPath], log: "once")
        #expect(try await once.exitStatus() == 0, "\(once.log)")
        let attacker = try DatabaseQueue(path: fixture.database)
        try await attacker.write { db in
            try db.execute(sql: "DROP TRIGGER order_interval_only_closes")
            try db.execute(sql: """
                UPDATE order_interval SET amount_text = amount_text || '1'
                WHERE order_no = (SELECT min(order_no) FROM order_interval)
                """)
        }
        try attacker.close()
        let location = try await TestPostgresCluster.shared.freshDatabase()
        let copy = try unpaidd(fixture, copyArguments(fixture, to: Self.url(of: location)), log: "copy",
                               environment: try await TestPostgresCluster.shared.environment())
        #expect(try await copy.exitStatus() != 0, "\(copy.log)")
        // Which organization's snapshot holds the altered order depends on which committed first.
        #expect(copy.log.contains("the copy fails verify: snapshot "), "\(copy.log)")
        #expect(copy.log.contains("but its orders rebuilt from order_interval are"), "\(copy.log)")
        #expect(copy.log.contains("after `unpaidd verify` on the source"), "\(copy.log)")
        #expect(!copy.log.contains("the copy verifies"), "\(copy.log)")
    }

    @Test func aPasswordInTheURLIsRefusedWithoutRepeatingIt() async throws {
        let fixture = try await DaemonFixture.start()
        defer { fixture.stop() }
        try fixture.writeConfig()
        let once = try unpaidd(fixture, ["run", "--once", "--config", fixture.configPath], log: "once")
        #expect(try await once.exitStatus() == 0, "\(once.log)")

        let copy = try unpaidd(fixture, ["ledger", "copy", "--from", fixture.database,
                                         "--to", "postgresql://unpaidd:hunter2-secret@127.0.0.1:9/unpaidd"], log: "copy")
        #expect(try await copy.exitStatus() != 0, "\(copy.log)")
        #expect(copy.log.contains("--to: the URL contains a password"), "\(copy.log)")
        #expect(!copy.log.contains("hunter2-secret"), "\(copy.log)")
    }

    @Test func aLedgerAnotherUnpaiddHoldsIsNotCopied() async throws {
        let fixture = try await DaemonFixture.start()
        defer { fixture.stop() }
        try fixture.writeConfig()
        let once = try unpaidd(fixture, ["run", "--once", "--config", fixture.configPath], log: "once")
        #expect(try await once.exitStatus() == 0, "\(once.log)")
        let location = try await TestPostgresCluster.shared.freshDatabase()
        let environment = try await TestPostgresCluster.shared.environment()

        // What a running daemon holds, taken here instead.
        let lock = try InstanceLock(database: fixture.database)
        let copy = try unpaidd(fixture, copyArguments(fixture, to: Self.url(of: location)), log: "copy",
                               environment: environment)
        #expect(try await copy.exitStatus() != 0, "\(copy.log)")
        #expect(copy.log.contains("--from: another unpaidd is recording into \(fixture.database)"), "\(copy.log)")
        withExtendedLifetime(lock) {}
        try await PostgresLedger.withLedger(location, environment: environment, logger: Self.logger) { (postgres: PostgresLedger) async throws in
            #expect(try await postgres.counts().snapshots == 0)
        }
    }

    @Test func aMissingSourceIsNamedAndNothingIsCreatedBesideIt() async throws {
        let directory = "/tmp/unpaidd-copy-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let copy = try ChildProcess(BuiltProducts.directory! + "/unpaidd", [
            "ledger", "copy", "--from", directory + "/ledger.sqlite", "--to", "postgresql://unpaidd@127.0.0.1:9/unpaidd",
        ], logPath: "/tmp/unpaidd-copy-\(UUID().uuidString.prefix(8)).log")
        defer { try? FileManager.default.removeItem(atPath: copy.logPath) }
        #expect(try await copy.exitStatus() != 0, "\(copy.log)")
        #expect(copy.log.contains("\(directory)/ledger.sqlite"), "\(copy.log)")
        #expect(!FileManager.default.fileExists(atPath: directory), "the refused copy created \(directory)")
    }

    func copyArguments(_ fixture: DaemonFixture, to url: String) -> [String] {
        ["ledger", "copy", "--from", fixture.database, "--to", url, "--password-env", TestPostgresCluster.passwordVariable]
    }

    func unpaidd(_ fixture: DaemonFixture, _ arguments: [String], log: String,
                 environment: [String: String] = [:]) throws -> ChildProcess {
        try ChildProcess(BuiltProducts.directory! + "/unpaidd", arguments, logPath: fixture.directory + "/\(log).log",
                         environment: environment)
    }

    /// The test server's URL as an operator would write it.
    static func url(of location: PostgresLocation) -> String {
        guard case .tcp(let host, let port) = location.endpoint else { preconditionFailure("the test server listens on TCP") }
        return "postgresql://\(location.user)@\(host):\(port)/\(location.database)?sslmode=\(location.tlsMode.rawValue)&connect_timeout=60"
    }
}
