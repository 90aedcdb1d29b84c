import Foundation
import GRDB
import Ledger

extension SQLiteLedger {
    /// Opens an existing ledger for queries: read-only, it never creates a file or a
    /// directory, never migrates and never writes.
    ///
    /// ```swift
    /// let ledger = try Ledger.openForReading(path: settings.storage.database)
    /// let lines = try ledger.history(organizationID: nil, job: nil, since: nil, limit: 20)
    /// ```
    ///
    /// A ledger last opened by an older build cannot be upgraded by a read-only open: it
    /// is refused with ``LedgerError/olderSchema(path:missingMigrations:)``, and the next
    /// recording command (the daemon's start, `unpaidd run --once`, `unpaidd fetch`)
    /// upgrades it.
    ///
    /// - Throws: ``LedgerError/missing(path:)`` when there is no file at `path`;
    ///   ``LedgerError/olderSchema(path:missingMigrations:)``,
    ///   ``LedgerError/newerSchema(path:unknownMigrations:)``,
    ///   ``LedgerError/notADatabase(path:detail:)`` or ``LedgerError/cannotOpen(path:detail:)``.
    public static func openForReading(path: String) throws -> SQLiteLedger {
        SQLiteLedger(path: path, pool: try LedgerOpening(path: path, access: .readOnly).open())
    }

    /// Opens an existing ledger to change its state (re-enabling a webhook target):
    /// like ``init(path:)`` it migrates, but it refuses a missing file instead of
    /// creating one, so a mistyped path is an error and not a new, empty ledger.
    ///
    /// - Throws: ``LedgerError/missing(path:)`` and the errors of ``init(path:)``.
    public static func openExisting(path: String) throws -> SQLiteLedger {
        SQLiteLedger(path: path, pool: try LedgerOpening(path: path, access: .existing).open())
    }
}

/// How one command opens the ledger file: the checks and GRDB configuration per access.
struct LedgerOpening {
    enum Access {
        /// Queries: the file must exist and be at this build's schema.
        case readOnly
        /// Writes to a ledger that must already exist; migrates it.
        case existing
        /// Recording: creates the file and its directories when missing; migrates.
        case create
    }

    let path: String
    let access: Access

    func open() throws -> DatabasePool {
        if access == .create {
            try createDirectory()
            try createEmptyOwnerOnlyFile(path)
        } else if !FileManager.default.fileExists(atPath: path) {
            throw LedgerError.missing(path: path)
        }
        if access != .readOnly { tightenModes() }
        let migrator = LedgerSchema.migrator
        do {
            let pool = try DatabasePool(path: sqlitePath, configuration: configuration)
            let applied = try pool.read { db in try migrator.appliedIdentifiers(db) }
            let unknown = applied.subtracting(migrator.migrations).sorted()
            guard unknown.isEmpty else { throw LedgerError.newerSchema(path: path, unknownMigrations: unknown) }
            if access == .readOnly {
                let missing = migrator.migrations.filter { !applied.contains($0) }
                guard missing.isEmpty else { throw LedgerError.olderSchema(path: path, missingMigrations: missing) }
                return pool
            }
            try migrate(pool, with: migrator)
            // GRDB leaves WAL databases at synchronous = NORMAL, where a power loss can undo
            // the last committed transactions. FULL syncs the WAL at every commit: one fsync
            // per run, snapshot and fire, nothing next to writing a large snapshot, for an
            // audit trail that keeps what it said it recorded.
            try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = FULL") }
            return pool
        } catch let error as DatabaseError
                    where error.resultCode == .SQLITE_NOTADB || error.resultCode == .SQLITE_CORRUPT {
            throw LedgerError.notADatabase(path: path, detail: error.message ?? "\(error.resultCode)")
        } catch let error as DatabaseError {
            throw LedgerError.cannotOpen(path: path, detail: error.message ?? "\(error.resultCode)")
        }
    }

    /// Applies the migrations this build knows, also while another process opens the same
    /// ledger (a daemon starting while an operator requeues deliveries, after an upgrade).
    /// GRDB decides what to apply before each migration's own transaction, so the slower
    /// of two openers fails on a table or migration row the faster one just committed.
    /// Such a failure is retried from the state the other left, only while that state
    /// moves on: a migration that fails by itself fails the same way twice and is thrown.
    private func migrate(_ pool: DatabasePool, with migrator: DatabaseMigrator) throws {
        while true {
            let before = try pool.read { try migrator.appliedIdentifiers($0) }
            do {
                return try migrator.migrate(pool)
            } catch let error as DatabaseError {
                let after = try pool.read { try migrator.appliedIdentifiers($0) }
                guard after != before else { throw error }
            }
        }
    }

    /// What SQLite opens. A reader of a WAL ledger needs its `-shm` index, which SQLite
    /// cannot create in a directory this user may not write (a ledger frozen as evidence,
    /// a copy on read-only media). With no `-wal` there either, no writer can be at work
    /// (a writer creates one first), so the file is complete and is opened as immutable:
    /// SQLite reads it without the index and without locks.
    private var sqlitePath: String {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard access == .readOnly, !FileManager.default.fileExists(atPath: path + "-wal"),
              Foundation.access(directory, W_OK) != 0 else { return path }
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%")
        let escaped = URL(fileURLWithPath: path).path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
        return "file:\(escaped)?immutable=1"
    }

    private var configuration: Configuration {
        var configuration = Configuration()
        configuration.readonly = access == .readOnly
        configuration.foreignKeysEnabled = true
        // The CLI may read the history while the daemon writes a large snapshot.
        configuration.busyMode = .timeout(30)
        // Snapshots write their intervals in key order (sorted runs merged), so a cache of
        // a few MiB holds the pages being filled; a larger one would only grow the
        // process by as much while a large snapshot is recorded. Readers answer short
        // queries with SQLite's default. A page cache fills up to its size as the file
        // grows, so in a daemon that runs for years every connection's cache ends up
        // full: few readers, small caches, and `SQLiteLedger.releaseMemory()` after each run.
        configuration.maximumReaderCount = 2
        configuration.prepareDatabase { db in
            try db.execute(sql: db.configuration.readonly ? "PRAGMA cache_size = -2048" : "PRAGMA cache_size = -8192")
        }
        return configuration
    }

    /// Directories created for the ledger are owner-only (0700), whatever the umask.
    private func createDirectory() throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw LedgerError.cannotOpen(path: path, detail: "cannot create the directory \(directory.path)")
        }
    }

    /// A ledger an older build created readable by group or others loses those bits
    /// when a writer opens it: it holds the same data as the owner-only archive.
    /// Best effort: a file owned by another user keeps its mode.
    private func tightenModes() {
        for file in [path, path + "-wal", path + "-shm"] {
            var status = stat()
            guard stat(file, &status) == 0, status.st_mode & 0o077 != 0 else { continue }
            chmod(file, status.st_mode & 0o700)
        }
    }
}

/// SQLite would create the file 0644 under the usual umask; created empty and 0600
/// first, it is owner-only, and SQLite gives its -wal, -shm and -journal the same mode.
func createEmptyOwnerOnlyFile(_ path: String) throws {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else {
        guard errno == EEXIST else { throw LedgerError.cannotOpen(path: path, detail: String(cString: strerror(errno))) }
        return
    }
    fchmod(descriptor, 0o600)
    close(descriptor)
}
