import Foundation
import Ledger
import Logging
import UnpaidCore
import UnpaidDaemon

/// What every command that records runs needs, built once from the options: it holds
/// the ledger's instance lock, so a one-shot run never races the daemon or a timer.
struct Runtime {
    let configuration: Configuration
    let ledger: any Ledger
    let logger: Logger
    let runner: JobRunner

    /// Opens the ledger (creating it) for `body`, after putting right what a dead process left.
    static func with<Result>(config: ConfigOption, log: LogOptions,
                             _ body: (Runtime) async throws -> Result) async throws -> Result {
        let loaded = try config.load()
        let logger = log.makeLogger()
        let privateKey = try loaded.api.privateKeySource.load()
        try StorageCheck.prepare(loaded.storage)
        // SQLite only: on PostgreSQL a one-shot run may record beside the replicas, in a
        // part of the spool of its own.
        let lock = try loaded.storage.ledger.sqlitePath.map { path throws(InstanceLockError) in
            try InstanceLock(database: path)
        }
        let slot = lock == nil ? try SpoolSlot(spool: loaded.storage.spoolDirectory) : nil
        let configuration = loaded.inSpool(slot)
        let result = try await configuration.storage.withOpenLedger(.create, logger: logger) { open in
            let ledger = open.ledger
            try await StartupRecovery.runIfAlone(configuration: configuration, ledger: ledger, lock: lock, slot: slot,
                                                 logger: logger)
            let limits = SharedLimits(configuration.daemon, sharing: open.sharing, replica: .thisProcess())
            let runner = limits.runner(for: configuration, ledger: ledger, privateKey: privateKey, logger: logger)
            return try await body(Runtime(configuration: configuration, ledger: ledger, logger: logger, runner: runner))
        }
        withExtendedLifetime((lock, slot)) {}
        return result
    }
}

extension Runtime {
    /// After a one-shot recording command (`run --once`, `fetch`): delivers the alerts its
    /// runs queued, for at most `timeout` seconds; what is left waits in the outbox for
    /// the next run or the daemon.
    func deliverAlerts(timeout: Int) async throws {
        guard !configuration.alerts.targets.isEmpty else { return }
        let delivery = AlertDelivery(settings: configuration.alerts, ledger: ledger, logger: logger)
        let report = try await delivery.drain(timeout: .seconds(timeout))
        print("alerts: \(report.delivered) delivered, \(report.dead.count) dead, \(report.stillPending) still pending"
            + (report.disabledTargets.isEmpty ? "" : ", targets disabled: \(report.disabledTargets.joined(separator: ", "))"))
    }
}

/// Dates on the command line, read by `LocalDateText` in the configured time zone.
enum CommandLineDate {
    static func parse(_ text: String, in timeZone: TimeZone, option: String) throws -> Int64 {
        do {
            return try LocalDateText.instant(parsing: text, in: timeZone)
        } catch {
            throw CommandError("\(option): \(error)")
        }
    }

    /// An optional date option as a `Date`, nil when it was not given.
    static func date(_ text: String?, in timeZone: TimeZone, option: String) throws -> Date? {
        try text.map { Date(timeIntervalSince1970: TimeInterval(try parse($0, in: timeZone, option: option))) }
    }
}

struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
