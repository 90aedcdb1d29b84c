import ArgumentParser
import Logging
import UnpaidDaemon
import UnpaidReports

struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "The configuration file.")
    var config: String = "/etc/unpaidd/unpaidd.toml"

    func load() throws -> Configuration {
        try Configuration.load(file: config)
    }

    /// For commands that never send a webhook: targets' `*_env` variables may be unset.
    func loadWithoutSecrets() throws -> Configuration {
        try Configuration.load(file: config, secretsRequired: false)
    }
}

/// `--org` and `--job` of the queries that narrow to some series (job and organization).
struct SeriesSelection: ParsableArguments {
    @Option(help: "Only this organization.")
    var org: Int64?

    @Option(help: "Only this job.")
    var job: String?
}

/// `--format` of the queries that print one table (history, runs, alerts, deliveries).
struct TableFormatOption: ParsableArguments {
    @Option(help: "table, csv or json.")
    var format: TabularReport.Format = .table
}

/// `--format` of the audit queries, which stream their rows.
struct RowFormatOption: ParsableArguments {
    @Option(help: "table, csv, jsonl or json.")
    var format: RowFormat = .table
}

struct LogOptions: ParsableArguments {
    @Option(name: .long, help: "Log line format: text or json.")
    var logFormat: LineLogHandler.Format = .text

    @Option(name: .long, help: "Lowest level logged: trace, debug, info, notice, warning, error.")
    var logLevel: Logger.Level = .info

    func makeLogger() -> Logger {
        let format = logFormat
        let level = logLevel
        return Logger(label: "unpaidd") { label in LineLogHandler(label: label, format: format, level: level) }
    }
}

extension LineLogHandler.Format: ExpressibleByArgument {}
extension TabularReport.Format: ExpressibleByArgument {}
extension Logger.Level: @retroactive ExpressibleByArgument {}
