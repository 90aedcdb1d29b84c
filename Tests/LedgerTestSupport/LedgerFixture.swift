import Foundation
import GRDB
import Ledger
import Logging
import PostgresLedger
import PostgresNIO
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
    private let rawSQL: @Sendable (String) async throws -> Void
    private let reopener: @Sendable (_ body: (any Ledger) async throws -> Void) async throws -> Void

    private init(backend: LedgerBackend, ledger: any Ledger, scratch: URL,
                 rawSQL: @escaping @Sendable (String) async throws -> Void,
                 reopener: @escaping @Sendable (_ body: (any Ledger) async throws -> Void) async throws -> Void) {
        self.backend = backend
        self.ledger = ledger
        self.scratch = scratch
        self.rawSQL = rawSQL
        self.reopener = reopener
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
            let fixture = LedgerFixture(backend: backend, ledger: ledger, scratch: scratch, rawSQL: { sql in
                let raw = try DatabaseQueue(path: path)
                try await raw.write { try $0.execute(sql: sql) }
            }, reopener: { body in
                try await body(try SQLiteLedger(path: path))
            })
            return try await body(fixture)
        case .postgres:
            let cluster = TestPostgresCluster.shared
            let location = try await cluster.freshDatabase()
            let environment = try await cluster.environment()
            let logger = Logger(label: "ledger-contract", factory: { _ in SwiftLogNoOpLogHandler() })
            return try await PostgresLedger.withLedger(location, environment: environment, logger: logger) { postgres in
                guard let ledger = postgres as Any as? any Ledger else {
                    throw BackendNotReady(backend: backend)
                }
                let fixture = LedgerFixture(backend: backend, ledger: ledger, scratch: scratch, rawSQL: { sql in
                    try await postgres.write { connection in
                        _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
                    }
                }, reopener: { body in
                    try await PostgresLedger.withLedger(location, environment: environment, logger: logger) { again in
                        guard let reopened = again as Any as? any Ledger else { throw BackendNotReady(backend: backend) }
                        try await body(reopened)
                    }
                })
                return try await body(fixture)
            }
        }
    }

    /// Opens the same ledger again, as a restarted daemon would, for `body`.
    public func reopened(_ body: (any Ledger) async throws -> Void) async throws {
        try await reopener(body)
    }

    /// Runs `sql` on the backend's database outside the ledger's API, in its own
    /// transaction: how tests play an intruder editing history behind the daemon's back.
    /// The statement is the test's own literal text, never built from values.
    public func executeBehindTheLedger(_ sql: String) async throws {
        try await rawSQL(sql)
    }
}

/// `.postgres` was asked for before its ledger implements every protocol.
public struct BackendNotReady: Error, CustomStringConvertible {
    public let backend: LedgerBackend
    public var description: String {
        "\(backend) does not implement Ledger yet; leave it out of LedgerBackend.allCases until it does"
    }
}
