import BillingSimulator
import Foundation
import Logging
import PostgresLedger
import PostgresTestSupport
import Testing

/// Commands on a configuration whose ledger is a PostgreSQL URL, as a user meets them: the
/// password's variable is named when unset (and no password is ever printed), check-config
/// shows the URL without touching the network, and backup says what backs up a database.
@Suite(.enabled(if: BuiltProducts.available, Comment(rawValue: BuiltProducts.missing)))
struct PostgresConfigurationProcessTests {
    static let url = "postgresql://unpaidd@127.0.0.1:9/unpaidd?sslmode=disable"

    func withConfig(database: String = url, passwordVariable: String = "UNPAIDD_PGCONF_TEST_PASSWORD",
                    _ body: (_ directory: String, _ config: String) async throws -> Void) async throws {
        let directory = "/tmp/unpaidd-pgconf-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let text = UnpaiddConfigurationText(apiURL: "http://127.0.0.1:9", publicKey: "k",
                                            privateKeySetting: #"private_key_env = "UNPAIDD_TEST_KEY""#,
                                            directory: directory, organizations: [1]).text
            .replacingOccurrences(of: "database = \"\(directory)/ledger.sqlite\"",
                                  with: "database = \"\(database)\"\npassword_env = \"\(passwordVariable)\"")
        try text.write(toFile: directory + "/unpaidd.toml", atomically: true, encoding: .utf8)
        try await body(directory, directory + "/unpaidd.toml")
    }

    func unpaidd(_ arguments: [String], in directory: String, environment: [String: String] = [:]) async throws
        -> (status: Int32, log: String) {
        let process = try ChildProcess(BuiltProducts.directory! + "/unpaidd", arguments,
                                       logPath: directory + "/\(arguments[0]).log",
                                       environment: environment.merging(["UNPAIDD_TEST_KEY": "secret-key"]) { $1 })
        return (try await process.exitStatus(), process.log)
    }

    @Test(arguments: [["history"], ["runs"], ["verify"], ["run", "--once"]])
    func anUnsetPasswordVariableIsNamedBeforeAnyConnection(_ command: [String]) async throws {
        try await withConfig { directory, config in
            let result = try await unpaidd(command + ["--config", config], in: directory)
            #expect(result.status != 0, "\(result.log)")
            #expect(result.log.contains("environment variable UNPAIDD_PGCONF_TEST_PASSWORD (storage.password_env) is not set"),
                    "\(result.log)")
            #expect(!FileManager.default.fileExists(atPath: directory + "/ledger.sqlite"))
            #expect(!FileManager.default.fileExists(atPath: "postgresql:"), "the URL was taken as a path")
        }
    }

    /// A query pointed at a database without a ledger (a mistyped name, a forgotten first
    /// start) says so and leaves it empty: only recording commands create or migrate one.
    @Test(arguments: [["history"], ["runs"], ["verify"]])
    func aQueryOnADatabaseWithoutALedgerSaysSoAndCreatesNothing(_ command: [String]) async throws {
        let cluster = TestPostgresCluster.shared
        let location = try await cluster.freshDatabase()
        let environment = try await cluster.environment()
        let url = "postgresql://\(location.user)@127.0.0.1:\(try await cluster.endpoint().port)/\(location.database)?sslmode=disable&connect_timeout=60"
        try await withConfig(database: url, passwordVariable: TestPostgresCluster.passwordVariable) { directory, config in
            let result = try await unpaidd(command + ["--config", config], in: directory, environment: environment)
            #expect(result.status != 0, "\(result.log)")
            #expect(result.log.contains("holds no unpaidd ledger"), "\(result.log)")
        }
        let quiet = Logger(label: "pgconf") { _ in SwiftLogNoOpLogHandler() }
        await #expect(throws: PostgresLedgerError.olderSchema(location: "\(location)",
                                                              missingMigrations: PostgresSchema.migrationNames)) {
            try await PostgresLedger.withLedger(location, environment: environment, logger: quiet, migrating: false) { _ in }
        }
    }

    @Test func checkConfigShowsTheURLAndWhereThePasswordComesFrom() async throws {
        try await withConfig { directory, config in
            let result = try await unpaidd(["check-config", "--config", config], in: directory,
                                           environment: ["UNPAIDD_PGCONF_TEST_PASSWORD": "hunter2-pg"])
            #expect(result.status == 0, "\(result.log)")
            #expect(result.log.contains("ledger: \(Self.url) (password: environment variable UNPAIDD_PGCONF_TEST_PASSWORD)"),
                    "\(result.log)")
            #expect(!result.log.contains("hunter2-pg"))
        }
    }

    @Test func backupPointsAtTheDatabasesOwnTools() async throws {
        try await withConfig { directory, config in
            let result = try await unpaidd(["backup", "--config", config, "--to", directory + "/copy.sqlite"], in: directory)
            #expect(result.status != 0, "\(result.log)")
            #expect(result.log.contains("storage.database is a PostgreSQL database: back it up with the server's tools"),
                    "\(result.log)")
            #expect(!FileManager.default.fileExists(atPath: directory + "/copy.sqlite"))
        }
    }
}
