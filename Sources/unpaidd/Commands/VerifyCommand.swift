import ArgumentParser
import Foundation
import Ledger
import UnpaidDaemon

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Checks that the ledger and the archive are what was recorded: the snapshot chain, totals, intervals, diffs and files.",
        discussion: """
            Prints each problem with its snapshot, table and value, then a summary with the chain's head. \
            Exits 0 only when everything holds, 1 when a problem was found. Keep the head it prints \
            somewhere else: `--expect-head` then proves no snapshot up to it was removed or rewritten.
            """)

    @OptionGroup var config: ConfigOption

    @Flag(help: "Also read every archived file again and compare its orders and totals with the ledger's.")
    var deep = false

    @Option(help: "A chain hash copied earlier (from verify, the daemon's log or an alert): it must still be in the chain.")
    var expectHead: String?

    func run() async throws {
        let settings = try config.loadWithoutSecrets()
        if let path = settings.storage.ledger.sqlitePath, !FileManager.default.fileExists(atPath: path) {
            throw CommandError("\(path): no ledger there (storage.database); nothing to verify")
        }
        if let expectHead, expectHead.count != 64 || !expectHead.allSatisfy(\.isHexDigit) {
            throw CommandError("--expect-head: expected the 64 hex digits of a chain hash, found \"\(expectHead)\"")
        }
        // Read-only: verify never writes to what it checks, and works on a frozen copy.
        try await settings.withLedger(.readOnly) { ledger in
            let integrity = try await LedgerIntegrity.check(ledger, export: settings.export, deep: deep, expectedHead: expectHead)
            for line in integrity.lines { print(line) }
            if !integrity.holds { throw ExitCode(1) }
        }
    }
}
