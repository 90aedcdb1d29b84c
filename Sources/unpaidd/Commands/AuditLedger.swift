import ArgumentParser
import Foundation
import Ledger
import Logging
import UnpaidDaemon
import UnpaidReports

/// What the audit commands share: the configuration without any secret (no private key,
/// no webhook variables) and the ledger, which must already exist. They never touch the
/// network and may run while the daemon records (WAL readers see committed snapshots).
struct AuditLedger {
    let settings: Configuration
    let ledger: any Ledger

    /// Read-only: a mistyped storage.database is an error, not a new empty ledger saying "nothing unpaid".
    static func with<Result>(_ config: ConfigOption, _ body: (AuditLedger) async throws -> Result) async throws -> Result {
        let settings = try config.loadWithoutSecrets()
        return try await settings.withLedger(.readOnly) { ledger in
            try await body(AuditLedger(settings: settings, ledger: ledger))
        }
    }

    var timeZone: TimeZone { settings.timeZone }

    /// A date option as `fetch` reads it: `YYYY-MM-DD[THH:MM[:SS]]` in the configured zone, or Unix seconds.
    func date(_ text: String?, option: String) throws -> Date? {
        try CommandLineDate.date(text, in: timeZone, option: option)
    }
}

extension Configuration {
    /// For commands without log options: only the driver's warnings (a dropped connection)
    /// reach stderr, so their output stays what they print.
    func withLedger<Result>(_ access: LedgerAccess, _ body: (any Ledger) async throws -> Result) async throws -> Result {
        let logger = Logger(label: "unpaidd") { label in LineLogHandler(label: label, format: .text, level: .warning) }
        return try await storage.withLedger(access, logger: logger, body)
    }
}

extension RowFormat: ExpressibleByArgument {}
