import Foundation
import Logging
import PostgresNIO
import PostgresTestSupport
import Testing
@testable import PostgresLedger

@Suite struct PostgresOpeningTests {
    let cluster = TestPostgresCluster.shared
    let logger = Logger(label: "postgres-opening-tests", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test func openingAFreshDatabaseAppliesEveryMigrationOnce() async throws {
        let location = try await cluster.freshDatabase()
        let environment = try await cluster.environment()
        let first = try await PostgresLedger.withLedger(location, environment: environment, logger: logger) { ledger in
            try await ledger.appliedMigrations()
        }
        #expect(first.map(\.name) == PostgresSchema.migrationNames)
        let second = try await PostgresLedger.withLedger(location, environment: environment, logger: logger) { ledger in
            try await ledger.appliedMigrations()
        }
        #expect(second == first, "the second opening applies nothing and rewrites nothing")
    }

    @Test func replicasOpeningTogetherMigrateExactlyOnce() async throws {
        let location = try await cluster.freshDatabase()
        let environment = try await cluster.environment()
        let logger = self.logger
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 1...6 {
                group.addTask {
                    try await PostgresLedger.withLedger(location, environment: environment, logger: logger,
                                                        maximumConnections: 2) { _ in }
                }
            }
            try await group.waitForAll()
        }
        let applied = try await PostgresLedger.withLedger(location, environment: environment, logger: logger) { ledger in
            try await ledger.appliedMigrations()
        }
        #expect(applied.map(\.name) == PostgresSchema.migrationNames)
    }

    @Test func aDatabaseMigratedByANewerUnpaiddIsRefused() async throws {
        let location = try await cluster.freshDatabase()
        let environment = try await cluster.environment()
        try await PostgresLedger.withLedger(location, environment: environment, logger: logger) { ledger in
            try await ledger.write { connection in
                _ = try await connection.query("INSERT INTO schema_migration (name) VALUES ('v99-from-the-future')",
                                               logger: logger)
            }
        }
        await #expect(throws: PostgresLedgerError.newerSchema(location: "\(location)", unknownMigrations: ["v99-from-the-future"])) {
            try await PostgresLedger.withLedger(location, environment: environment, logger: logger) { _ in }
        }
    }

    @Test func aReaderOpensACurrentLedgerAndNeverCreatesOne() async throws {
        let location = try await cluster.freshDatabase()
        let environment = try await cluster.environment()
        let nothing = PostgresLedgerError.olderSchema(location: "\(location)", missingMigrations: PostgresSchema.migrationNames)
        for _ in 1...2 {
            await #expect(throws: nothing, "a reader refuses an empty database, and twice: the first created nothing") {
                try await PostgresLedger.withLedger(location, environment: environment, logger: logger, migrating: false) { _ in }
            }
        }
        #expect(nothing.description.contains("holds no unpaidd ledger"))
        try await PostgresLedger.withLedger(location, environment: environment, logger: logger) { _ in }
        let applied = try await PostgresLedger.withLedger(location, environment: environment, logger: logger,
                                                          migrating: false) { try await $0.appliedMigrations() }
        #expect(applied.map(\.name) == PostgresSchema.migrationNames)
    }

    @Test func aReaderRefusesALedgerShortOfAMigrationAndLeavesItSo() async throws {
        let location = try await cluster.freshDatabase()
        let environment = try await cluster.environment()
        let last = try #require(PostgresSchema.migrationNames.last)
        try await PostgresLedger.withLedger(location, environment: environment, logger: logger) { ledger in
            try await ledger.write { connection in
                _ = try await connection.query("DELETE FROM schema_migration WHERE name = \(last)", logger: logger)
            }
        }
        let older = PostgresLedgerError.olderSchema(location: "\(location)", missingMigrations: [last])
        for _ in 1...2 {
            await #expect(throws: older) {
                try await PostgresLedger.withLedger(location, environment: environment, logger: logger, migrating: false) { _ in }
            }
        }
        #expect(older.description.contains("lacks migrations \(last)"))
        #expect(older.description.contains("start unpaidd run"))
    }

    @Test func aWrongPasswordIsAnAuthenticationErrorThatDoesNotRepeatIt() async throws {
        let location = try await cluster.freshDatabase()
        do {
            try await PostgresLedger.withLedger(location, environment: [TestPostgresCluster.passwordVariable: "wrong-Secret-42"],
                                                logger: logger) { _ in }
            Issue.record("a wrong password opened the ledger")
        } catch let error as PostgresLedgerError {
            guard case .authenticationFailed(_, let user, _) = error else {
                Issue.record("expected authenticationFailed, got \(error)")
                return
            }
            #expect(user == "unpaidd_test")
            #expect(!error.description.contains("wrong-Secret-42"))
            #expect(error.description.contains("storage.password_env"))
        }
    }

    @Test func noPasswordWhereTheServerWantsOneSaysHowToGiveIt() async throws {
        var location = try await cluster.freshDatabase()
        location.password = .systemdCredential
        await #expect(throws: PostgresLedgerError.passwordRequired(location: "\(location)", user: "unpaidd_test")) {
            try await PostgresLedger.withLedger(location, environment: [:], logger: logger) { _ in }
        }
    }

    @Test func anUnsetPasswordVariableFailsBeforeConnecting() async throws {
        let location = try await cluster.freshDatabase()
        await #expect(throws: PostgresLedgerError.badLocation(.missingPasswordEnvironment(name: TestPostgresCluster.passwordVariable))) {
            try await PostgresLedger.withLedger(location, environment: [:], logger: logger) { _ in }
        }
    }

    @Test func aServerThatIsNotThereIsACannotConnectNamingTheLocation() async throws {
        var location = try await cluster.freshDatabase()
        location.endpoint = .tcp(host: "127.0.0.1", port: 1)
        do {
            try await PostgresLedger.withLedger(location, environment: try await cluster.environment(), logger: logger) { _ in }
            Issue.record("opened a ledger on a closed port")
        } catch let error as PostgresLedgerError {
            guard case .cannotConnect(let named, _) = error else {
                Issue.record("expected cannotConnect, got \(error)")
                return
            }
            #expect(named == "\(location)")
            #expect(error.description.contains("127.0.0.1:1/"))
        }
    }

    @Test func theUnixSocketWorksToo() async throws {
        var location = try await cluster.freshDatabase()
        location.endpoint = .unixSocket(directory: try await cluster.endpoint().socketDirectory,
                                        port: try await cluster.endpoint().port)
        let user = try await PostgresLedger.withLedger(location, environment: try await cluster.environment(),
                                                       logger: logger) { ledger in
            try await ledger.read { connection in
                var users: [String] = []
                for try await user in try await connection.query("SELECT current_user", logger: logger).decode(String.self) {
                    users.append(user)
                }
                return users
            }
        }
        #expect(user == ["unpaidd_test"])
    }

    @Test func sslmodeRequireRefusesAServerWithoutTLSAndPreferFallsBack() async throws {
        let environment = try await cluster.environment()
        let required = try await cluster.freshDatabase(tlsMode: .require)
        do {
            try await PostgresLedger.withLedger(required, environment: environment, logger: logger) { _ in }
            Issue.record("sslmode=require connected to a server without TLS")
        } catch let error as PostgresLedgerError {
            guard case .cannotConnect(let named, _) = error else {
                Issue.record("expected cannotConnect, got \(error)")
                return
            }
            #expect(named.contains("sslmode=require"))
        }
        let preferred = try await cluster.freshDatabase(tlsMode: .prefer)
        let applied = try await PostgresLedger.withLedger(preferred, environment: environment, logger: logger) { ledger in
            try await ledger.appliedMigrations()
        }
        #expect(applied.map(\.name) == PostgresSchema.migrationNames)
    }
}
