import Foundation

/// Finance's audit history, whatever stores it: the embedded SQLite file
/// (`SQLiteLedger`) or a PostgreSQL database shared by several daemons (`PostgresLedger`).
///
/// The pipeline, the daemon and the CLI hold this, never a backend: one function in the
/// wiring opens one. Each requirement is one transaction; every backend keeps the same
/// invariants (append-only history, exact decimals, a snapshot committed together with its
/// change, alerts and outbox rows) and is proved by the same contract tests.
public protocol Ledger: RunRecorder, OutboxLedger, AuditQueries, IntegrityLedger {
    /// Where the ledger lives, for messages: a file path, or a database URL without its
    /// password.
    var location: String { get }
}
