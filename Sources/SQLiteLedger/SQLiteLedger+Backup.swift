import Foundation
import GRDB
import Ledger

/// A finished `Ledger.backup`: where it is and what its verification found.
public struct LedgerBackup: Sendable {
    public var path: String
    public var verification: LedgerVerification
}

extension SQLiteLedger {
    /// Copies the ledger to `destination` while other connections keep writing: SQLite's
    /// online backup API, in one step inside one read transaction, so the copy is the
    /// ledger as of one commit. The copy is written to a temporary name beside
    /// `destination`, fsynced, checked (`PRAGMA integrity_check` and `verify`) and only
    /// then renamed into place; a failure leaves no file at `destination`. The copy is
    /// 0600 whatever the umask, like the ledger. The backup only reads this ledger, so a
    /// ledger opened with ``openForReading(path:)`` can be backed up.
    ///
    /// - Throws: `LedgerError.backupFailed` naming the step, e.g. when `destination`
    ///   exists and `replacing` is false, or when the copy does not verify.
    public func backup(to destination: String, replacing: Bool = false) throws -> LedgerBackup {
        try backup(to: destination, replacing: replacing, afterCopying: { _ in })
    }

    /// `backup`, calling `afterCopying` with the temporary file once the pages are in it.
    func backup(to destination: String, replacing: Bool, afterCopying: (_ temporary: String) throws -> Void)
        throws -> LedgerBackup {
        func failure(_ detail: String) -> LedgerError { .backupFailed(destination: destination, detail: detail) }
        if !replacing && FileManager.default.fileExists(atPath: destination) {
            throw failure("the file exists; choose another path or allow replacing it")
        }
        let directory = (destination as NSString).deletingLastPathComponent
        let temporary = (directory.isEmpty ? "." : directory) + "/." + (destination as NSString).lastPathComponent
            + ".partial-\(getpid())"
        func removeTemporary() {
            for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: temporary + suffix) }
        }
        removeTemporary()
        do {
            // The copy holds what the ledger holds: owner-only from its first byte.
            try createEmptyOwnerOnlyFile(temporary)
            let copy = try DatabaseQueue(path: temporary)
            try pool.backup(to: copy)
            try afterCopying(temporary)
            try copy.close()
            let verification = try Self.checkCopy(at: temporary)
            guard verification.holds else {
                throw failure("the copy does not verify: " + verification.problems.prefix(3).map(\.description).joined(separator: "; "))
            }
            try Self.fsync(path: temporary, flags: O_RDONLY)
            guard rename(temporary, destination) == 0 else {
                throw failure("cannot rename \(temporary) into place: \(String(cString: strerror(errno)))")
            }
            try Self.fsync(path: directory.isEmpty ? "." : directory, flags: O_RDONLY | O_DIRECTORY)
            return LedgerBackup(path: destination, verification: verification)
        } catch let error as LedgerError {
            removeTemporary()
            throw error
        } catch {
            removeTemporary()
            throw failure("\(error)")
        }
    }

    /// Opens the copy on its own, checks its pages and its chain, and closes it again as
    /// a single file (no WAL beside it) before the rename.
    private static func checkCopy(at path: String) throws -> LedgerVerification {
        let copy = try SQLiteLedger(path: path)
        let pages = try copy.pool.read { try String.fetchAll($0, sql: "PRAGMA integrity_check") }
        guard pages == ["ok"] else {
            throw LedgerError.backupFailed(destination: path, detail: "integrity_check: " + pages.prefix(3).joined(separator: "; "))
        }
        let verification = try copy.verify()
        try copy.pool.close()
        // One self-contained file: the WAL folded back in and gone, as a copy should travel.
        let single = try DatabaseQueue(path: path)
        try single.writeWithoutTransaction { try $0.execute(sql: "PRAGMA journal_mode = DELETE") }
        try single.close()
        return verification
    }

    private static func fsync(path: String, flags: Int32) throws {
        let descriptor = open(path, flags)
        guard descriptor >= 0 else {
            throw LedgerError.backupFailed(destination: path, detail: "cannot open for fsync: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        guard Foundation.fsync(descriptor) == 0 else {
            throw LedgerError.backupFailed(destination: path, detail: "fsync: \(String(cString: strerror(errno)))")
        }
    }
}
