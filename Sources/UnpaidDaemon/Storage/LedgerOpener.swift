import Ledger
import Logging
import SQLiteLedger

/// What a command needs of the ledger: the daemon and `run` create it; commands that only
/// read never create anything (a mistyped path is an error, not a new empty ledger).
public enum LedgerAccess: Sendable {
    case create
    case existing
    case readOnly
}

extension StorageSettings {
    /// Opens the ledger, gives it to `body`, and closes it when `body` returns or throws:
    /// the one place a backend is chosen. Scoped, because a database backend holds a pool
    /// of connections that must be running for as long as the ledger is used.
    public func withLedger<Result>(_ access: LedgerAccess, logger: Logger,
                                   _ body: (any Ledger) async throws -> Result) async throws -> Result {
        let ledger: SQLiteLedger = switch access {
        case .create: try SQLiteLedger(path: database)
        case .existing: try SQLiteLedger.openExisting(path: database)
        case .readOnly: try SQLiteLedger.openForReading(path: database)
        }
        return try await body(ledger)
    }
}
