import Foundation
import Ledger
import Logging
import PostgresLedger
import SQLiteLedger

/// What a command needs of the ledger: the daemon and `run` create it; commands that only
/// read never create anything (a mistyped path is an error, not a new empty ledger).
public enum LedgerAccess: Sendable {
    case create
    case existing
    case readOnly
}

/// How processes recording into a ledger share the work.
public enum LedgerSharing: Sendable {
    /// A SQLite file: one process at a time, behind the instance lock.
    case oneProcess
    /// A PostgreSQL database: any number of replicas, meeting in the database for claims and limits.
    case replicas(PostgresLedger)
}

/// An open ledger and how it is shared, for as long as the scope that opened it.
public struct OpenLedger: Sendable {
    public let ledger: any Ledger
    public let sharing: LedgerSharing
}

extension StorageSettings {
    /// Opens the ledger, gives it to `body`, and closes it when `body` returns or throws:
    /// the one place a backend is chosen. Scoped, because a database backend holds a pool
    /// of connections that must be running for as long as the ledger is used.
    ///
    /// - Parameter environment: where a PostgreSQL password is looked up (`password_env`,
    ///   `$CREDENTIALS_DIRECTORY`).
    public func withLedger<Result>(_ access: LedgerAccess, logger: Logger,
                                   environment: [String: String] = ProcessInfo.processInfo.environment,
                                   _ body: (any Ledger) async throws -> Result) async throws -> Result {
        try await withOpenLedger(access, logger: logger, environment: environment) { try await body($0.ledger) }
    }

    /// ``withLedger(_:logger:environment:_:)`` for the daemon and recording commands, which
    /// also need to know whether other replicas share the ledger.
    public func withOpenLedger<Result>(_ access: LedgerAccess, logger: Logger,
                                       environment: [String: String] = ProcessInfo.processInfo.environment,
                                       _ body: (OpenLedger) async throws -> Result) async throws -> Result {
        switch ledger {
        case .sqlite(let path):
            let ledger: SQLiteLedger = switch access {
            case .create: try SQLiteLedger(path: path)
            case .existing: try SQLiteLedger.openExisting(path: path)
            case .readOnly: try SQLiteLedger.openForReading(path: path)
            }
            return try await body(OpenLedger(ledger: ledger, sharing: .oneProcess))
        case .postgres(let location):
            // A database is never created by connecting to it, so a mistyped name is refused
            // by the server. A reader never migrates (as on SQLite, an older schema is refused);
            // a recording process marks its runs as its own while it lives.
            return try await PostgresLedger.withLedger(location, environment: environment, logger: logger,
                                                       ownsRuns: access == .create,
                                                       migrating: access != .readOnly) { postgres in
                try await body(OpenLedger(ledger: postgres, sharing: .replicas(postgres)))
            }
        }
    }
}
