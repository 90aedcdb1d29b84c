import Foundation
import Ledger
import Logging
import UnpaidDaemon

/// What every command that records runs needs, built once from the options: it holds
/// the ledger's instance lock, so a one-shot run never races the daemon or a timer.
struct Runtime {
    let configuration: Configuration
    let lock: InstanceLock
    let ledger: Ledger
    let logger: Logger
    let runner: JobRunner

    init(config: ConfigOption, log: LogOptions) throws {
        configuration = try config.load()
        logger = log.makeLogger()
        let privateKey = try configuration.api.privateKeySource.load()
        lock = try InstanceLock(database: configuration.storage.database)
        ledger = try Ledger(path: configuration.storage.database)
        runner = SharedLimits(configuration.daemon).runner(for: configuration, ledger: ledger,
                                                         privateKey: privateKey, logger: logger)
    }
}

/// Dates on the command line: `2026-10-01` (midnight), `2026-10-01T08:30[:00]` in the
/// configured time zone, or Unix seconds.
enum CommandLineDate {
    static func parse(_ text: String, in timeZone: TimeZone, option: String) throws -> Int64 {
        if let seconds = Int64(text) { return seconds }
        let pieces = text.split(whereSeparator: { "-T:".contains($0) }).map { Int($0) }
        guard [3, 5, 6].contains(pieces.count), !pieces.contains(where: { $0 == nil }) else {
            throw CommandError("\(option): expected YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] or Unix seconds, found \"\(text)\"")
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let values = pieces.map { $0! } + [0, 0, 0]
        let components = DateComponents(year: values[0], month: values[1], day: values[2],
                                        hour: values[3], minute: values[4], second: values[5])
        guard components.isValidDate(in: calendar), let date = calendar.date(from: components) else {
            throw CommandError("\(option): \"\(text)\" is not a valid date")
        }
        return Int64(date.timeIntervalSince1970)
    }
}

struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
