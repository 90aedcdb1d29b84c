import Ledger
import SQLiteLedger

/// What a command needs of the ledger: the daemon and `run` create it; commands that only
/// read never create anything (a mistyped path is an error, not a new empty ledger).
public enum LedgerAccess: Sendable {
    case create
    case existing
    case readOnly
}

extension StorageSettings {
    /// The one place a backend is chosen.
    public func openLedger(_ access: LedgerAccess) throws -> any Ledger {
        switch access {
        case .create: try SQLiteLedger(path: database)
        case .existing: try SQLiteLedger.openExisting(path: database)
        case .readOnly: try SQLiteLedger.openForReading(path: database)
        }
    }
}
