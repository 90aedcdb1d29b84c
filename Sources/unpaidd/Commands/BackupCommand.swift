import ArgumentParser
import Foundation
import Ledger
import SQLiteLedger
import UnpaidDaemon

struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copies the ledger consistently while the daemon runs, verifies the copy, then renames it into place.",
        discussion: """
            The copy is written beside PATH under a temporary name, checked (integrity_check and the \
            snapshot chain), fsynced and renamed: PATH is either the whole verified copy or untouched. \
            An existing PATH is refused unless --replace is given. Archived files are not copied: back up \
            storage.archive_dir with your file backup.
            """)

    @OptionGroup var config: ConfigOption

    @Option(help: "Where the copy goes.")
    var to: String

    @Flag(help: "Replace PATH when it exists.")
    var replace = false

    func run() throws {
        let settings = try config.loadWithoutSecrets()
        guard let path = settings.storage.ledger.sqlitePath else {
            throw CommandError("storage.database is a PostgreSQL database: back it up with the server's tools "
                + "(pg_dump, or the server's continuous archiving); backup copies a SQLite ledger")
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw CommandError("\(path): no ledger there (storage.database); nothing to back up")
        }
        let backup = try SQLiteLedger.openForReading(path: path).backup(to: to, replacing: replace)
        let head = backup.verification.head.map { "head: snapshot \($0.snapshotID) \($0.hash)" } ?? "head: none"
        print("backup: \(backup.path) written and verified; \(backup.verification.snapshots) snapshots; \(head)")
    }
}
