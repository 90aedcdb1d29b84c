import Foundation

/// The directories of `[storage]` that unpaidd writes, checked before anything runs, so
/// that a path under a regular file or without write permission is reported once, with
/// its key, instead of failing every organization with a file-system error.
public enum StorageCheck {
    /// For `check-config`: reports what `prepare` would refuse, creating nothing.
    public static func check(_ storage: StorageSettings) throws(StorageError) {
        try checkDatabaseFile(storage.ledger)
        for (key, path) in directories(of: storage) {
            do { try OwnerOnlyDirectory.check(path) } catch { throw StorageError(key: key, path: path, problem: error) }
        }
    }

    /// For commands that record (`run`, `run --once`, `fetch`): creates the ledger's
    /// directory, the archive and the spool owner-only (0700) and checks they are writable.
    public static func prepare(_ storage: StorageSettings) throws(StorageError) {
        try checkDatabaseFile(storage.ledger)
        for (key, path) in directories(of: storage) {
            do { try OwnerOnlyDirectory.create(path) } catch { throw StorageError(key: key, path: path, problem: error) }
        }
    }

    /// The ledger's directory only for SQLite: a database server keeps its own files.
    static func directories(of storage: StorageSettings) -> [(key: String, path: String)] {
        var directories = [("storage.archive_dir", storage.archiveDirectory), ("storage.spool_dir", storage.spoolDirectory)]
        if let database = storage.ledger.sqlitePath {
            let ledgerDirectory = (database as NSString).deletingLastPathComponent
            directories.insert(("storage.database", ledgerDirectory.isEmpty ? "." : ledgerDirectory), at: 0)
        }
        return directories
    }

    private static func checkDatabaseFile(_ ledger: LedgerLocation) throws(StorageError) {
        if let path = ledger.sqlitePath, OwnerOnlyDirectory.kind(of: path) == .directory {
            throw StorageError(key: "storage.database", path: path, problem: .notAFile)
        }
    }
}

/// A `[storage]` path that cannot be used: the key, the path and what is wrong.
public struct StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Problem: Sendable, Equatable {
        case directory(DirectoryProblem)
        /// `storage.database` names a directory; it must name the ledger file.
        case notAFile
    }

    public let key: String
    public let path: String
    public let problem: Problem

    init(key: String, path: String, problem: DirectoryProblem) {
        self.init(key: key, path: path, problem: .directory(problem))
    }

    init(key: String, path: String, problem: Problem) {
        self.key = key
        self.path = path
        self.problem = problem
    }

    public var description: String {
        switch problem {
        case .notAFile:
            "\(key) = \"\(path)\": this is a directory; name the ledger file, e.g. \"\(path)/ledger.sqlite\""
        case .directory(let problem):
            "\(key): cannot use \(path): \(problem); choose another path or fix the permissions (the directory must be writable by the user unpaidd runs as)"
        }
    }
}
