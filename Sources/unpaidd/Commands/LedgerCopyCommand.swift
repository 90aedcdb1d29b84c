import ArgumentParser
import Foundation
import Ledger
import Logging
import PostgresLedger
import SQLiteLedger
import UnpaidDaemon

struct LedgerCopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copies a SQLite ledger's whole history into an empty PostgreSQL database, ids kept, then checks it.",
        discussion: """
            Everything goes in one transaction: the database holds the whole history or nothing. A database \
            that already holds a ledger is refused. After the copy, every snapshot's totals per currency and the \
            chain's head are read back from both ledgers and compared, and the copy is verified as `verify` \
            does (chain and totals rebuilt from its orders); the command exits 0 only when all of it holds. \
            Stop the daemon first: the copy refuses a ledger another unpaidd is recording into. The password \
            comes from --password-env or the systemd credential postgres-password, never from the URL.
            """)

    @Option(help: "The SQLite ledger to copy (storage.database of the configuration it ran with).")
    var from: String

    @Option(help: "postgresql://USER@HOST[:PORT]/DATABASE[?sslmode=…&sslrootcert=PATH], without a password.")
    var to: String

    @Option(name: .customLong("password-env"),
            help: "The environment variable holding the database password (default: $CREDENTIALS_DIRECTORY/postgres-password when present).")
    var passwordEnvironment: String?

    @OptionGroup var log: LogOptions

    func run() async throws {
        let location = try PostgresLocation(url: to, passwordEnvironment: passwordEnvironment, key: "--to")
        // Opened first: a mistyped path is refused before a lock file is made beside it.
        let source = try SQLiteLedger.openForReading(path: from)
        let lock = try Self.sourceLock(from)
        let logger = log.makeLogger()
        let check = try await PostgresLedger.withLedger(location, logger: logger) { target in
            let started = ContinuousClock.now
            let copied = try await target.copy(from: source, progress: CopyProgress().report)
            let seconds = (ContinuousClock.now - started).components.seconds
            let rows = copied.reduce(0) { $0 + $1.rows }
            print("copied \(from) into \(location): \(rows) rows in \(seconds) s")
            for (table, count) in copied where count > 0 { print("  \(table): \(count)") }
            return LedgerCopyCheck(source: try source.history(), sourceHead: try source.chainHead(),
                                   target: try await target.history(organizationID: nil, job: nil, since: nil,
                                                                    until: nil, limit: nil),
                                   targetHead: try await target.chainHead(),
                                   targetVerification: try await target.verify(expectedHead: nil))
        }
        withExtendedLifetime(lock) {}
        guard check.holds else {
            for line in check.mismatches.prefix(50) { FileHandle.standardError.write(Data((line + "\n").utf8)) }
            throw CommandError("the copy does not match its source or does not verify (\(check.mismatches.count) "
                + "difference(s) above); it is committed: drop and recreate the database before copying again, "
                + "after `unpaidd verify` on the source (a source that fails it was altered before the copy)")
        }
        print("checked: \(check.snapshots) snapshots, every total per currency matches the source; "
            + "chain head \(check.head.map { "\($0)" } ?? "none (no snapshot)") on both; the copy verifies")
    }

    /// The daemon's instance lock on the source, so nothing records while it is read page by
    /// page. A directory unpaidd cannot write holds no ledger being recorded into.
    private static func sourceLock(_ path: String) throws -> InstanceLock? {
        do {
            return try InstanceLock(database: path)
        } catch InstanceLockError.held(let lockPath, let database) {
            throw CommandError("--from: another unpaidd is recording into \(database) (it holds \(lockPath)); "
                + "stop it first (systemctl stop unpaidd), then copy")
        } catch {
            return nil
        }
    }
}

/// Progress on stderr while the big tables go in, one line per 100,000 rows, so a
/// million-order history shows it is moving; stdout keeps the summary.
private final class CopyProgress {
    private var printed: [String: Int] = [:]

    func report(table: String, rows: Int) {
        guard rows / 100_000 > printed[table, default: 0] / 100_000 else { return }
        printed[table] = rows
        FileHandle.standardError.write(Data("  \(table): \(rows) rows…\n".utf8))
    }
}
