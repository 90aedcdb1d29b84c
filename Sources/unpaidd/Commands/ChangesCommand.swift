import ArgumentParser
import Foundation
import Ledger
import UnpaidReports

struct ChangesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "changes",
        abstract: "The changes recorded between consecutive snapshots, with the orders behind them.")

    @OptionGroup var config: ConfigOption

    @OptionGroup var series: SeriesSelection

    @Option(help: "Only snapshots fetched at or after this date (YYYY-MM-DD[THH:MM[:SS]] or Unix seconds).")
    var since: String?

    @Option(help: "Only snapshots fetched before this date.")
    var until: String?

    @Flag(help: "One row per order behind a change instead of one per change.")
    var orders = false

    @OptionGroup var presentation: RowFormatOption

    func run() async throws {
        try await AuditLedger.with(config) { audit in
            var report = ChangesReport(timeZone: audit.timeZone, listsOrders: orders)
            var writer = presentation.format.writer(columns: report.columns, to: .standardOutput())
            try await audit.ledger.recordedChanges(organizationID: series.org, job: series.job, since: try audit.date(since, option: "--since"),
                                             until: try audit.date(until, option: "--until")) { change in
                try report.write(change, to: &writer)
            }
            try writer.finish(trailer: nil)
        }
    }
}
