import ArgumentParser
import Foundation
import Ledger
import UnpaidDaemon

struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Every recorded snapshot: one line per snapshot and currency, with exact totals and its reconciliation with GetOrderAmount.")

    @OptionGroup var config: ConfigOption

    @OptionGroup var series: SeriesSelection

    @Option(help: "Only snapshots fetched at or after this date (YYYY-MM-DD[THH:MM[:SS]] or Unix seconds).")
    var since: String?

    @Option(help: "Only the most recent N lines.")
    var limit: Int?

    @OptionGroup var presentation: TableFormatOption

    func run() async throws {
        let settings = try config.loadWithoutSecrets()
        try await settings.withLedger(.readOnly) { ledger in
            let sinceDate = try CommandLineDate.date(since, in: settings.timeZone, option: "--since")
            let lines = try await ledger.history(organizationID: series.org, job: series.job, since: sinceDate, until: nil, limit: limit)
            print(HistoryReport.make(lines, timeZone: settings.timeZone).render(presentation.format), terminator: "")
        }
    }
}

enum HistoryReport {
    static func make(_ lines: [HistoryLine], timeZone: TimeZone) -> TabularReport {
        var report = TabularReport(columns: ["fetched_at", "job", "organization", "period", "currency", "orders",
                                             "total", "snapshot", "run", "run_status", "reconciliation", "archive"])
        for line in lines {
            report.append([
                .text(line.fetchedAt.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: false)
                    .timeZone(separator: .colon).dateTimeSeparator(.standard)).localized(to: timeZone, date: line.fetchedAt)),
                .text(line.job), .integer(line.organizationID), .text(line.periodLabel),
                line.currency.map { .text($0) } ?? .missing, .integer(Int64(line.orderCount)), .money(line.total),
                .integer(line.snapshotID.rawValue), .integer(line.runID.rawValue), .text(line.runStatus.rawValue),
                // Empty for snapshots recorded without a check (reconcile = false, or before v6).
                line.reconciliation.map { .text($0.rawValue) } ?? .missing,
                line.archiveRemovedAt.map { .text("removed " + "".localized(to: timeZone, date: $0)) } ?? .text("kept"),
            ])
        }
        return report
    }
}

extension String {
    /// ISO 8601 in the configured zone, which is what finance reads dates in.
    func localized(to timeZone: TimeZone, date: Date) -> String {
        var style = Date.ISO8601FormatStyle(timeZone: timeZone)
        style = style.year().month().day().time(includingFractionalSeconds: false).timeZone(separator: .colon)
        return date.formatted(style)
    }
}
