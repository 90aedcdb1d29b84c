import Foundation
import Ledger
import Logging
import PostgresLedger
import PostgresTestSupport
import SQLiteLedger
import UnpaidCore

/// A fresh, empty ledger of one backend, reached only through the `Ledger` protocols, and a
/// scratch directory; both are gone when `with` returns.
///
/// ```swift
/// try await LedgerFixture.with(backend) { fixture in
///     let recorded = try await fixture.record([order("A", "1")], shaSeed: 1, minute: 0)
/// }
/// ```
public final class LedgerFixture: Sendable {
    public let backend: LedgerBackend
    public let ledger: any Ledger
    /// A directory of this fixture's own, for spool files and the like.
    public let scratch: URL
    /// The database under the ledger, for the tests that go around it (`+BehindTheLedger`).
    let database: BackendDatabase

    private init(backend: LedgerBackend, ledger: any Ledger, scratch: URL, database: BackendDatabase) {
        self.backend = backend
        self.ledger = ledger
        self.scratch = scratch
        self.database = database
    }

    public static func with<Result>(_ backend: LedgerBackend,
                                    _ body: (LedgerFixture) async throws -> Result) async throws -> Result {
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("ledger-contract-\(backend)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        switch backend {
        case .sqlite:
            let path = scratch.appendingPathComponent("state/ledger.sqlite").path
            let ledger = try SQLiteLedger(path: path)
            return try await body(LedgerFixture(backend: backend, ledger: ledger, scratch: scratch,
                                                database: .sqlite(path: path)))
        case .postgres:
            let cluster = TestPostgresCluster.shared
            let location = try await cluster.freshDatabase()
            let environment = try await cluster.environment()
            let logger = Logger(label: "ledger-contract", factory: { _ in SwiftLogNoOpLogHandler() })
            return try await PostgresLedger.withLedger(location, environment: environment, logger: logger) { postgres in
                let database = BackendDatabase.postgres(postgres, location: location, environment: environment, logger: logger)
                return try await body(LedgerFixture(backend: backend, ledger: postgres, scratch: scratch, database: database))
            }
        }
    }

    /// Opens the same ledger again, as a restarted daemon would, for `body`.
    public func reopened(_ body: (any Ledger) async throws -> Void) async throws {
        switch database {
        case .sqlite(let path):
            try await body(try SQLiteLedger(path: path))
        case .postgres(_, let location, let environment, let logger):
            try await PostgresLedger.withLedger(location, environment: environment, logger: logger) { again in
                try await body(again)
            }
        }
    }
}

/// How a fixture reaches its backend's database without the ledger's API.
enum BackendDatabase: Sendable {
    case sqlite(path: String)
    case postgres(PostgresLedger, location: PostgresLocation, environment: [String: String], logger: Logger)
}
