import ArgumentParser
import Foundation
import Ledger
import UnpaidDaemon
import UnpaidReports

/// What the audit commands share: the configuration without any secret (no private key,
/// no webhook variables) and the ledger, which must already exist. They never touch the
/// network and may run while the daemon records (WAL readers see committed snapshots).
struct AuditLedger {
    let settings: Configuration
    let ledger: any Ledger

    init(_ config: ConfigOption) throws {
        settings = try config.loadWithoutSecrets()
        // Read-only: a mistyped storage.database is an error, not a new empty ledger saying "nothing unpaid".
        ledger = try settings.storage.openLedger(.readOnly)
    }

    var timeZone: TimeZone { settings.timeZone }

    /// A date option as `fetch` reads it: `YYYY-MM-DD[THH:MM[:SS]]` in the configured zone, or Unix seconds.
    func date(_ text: String?, option: String) throws -> Date? {
        try CommandLineDate.date(text, in: timeZone, option: option)
    }
}

extension RowFormat: ExpressibleByArgument {}
