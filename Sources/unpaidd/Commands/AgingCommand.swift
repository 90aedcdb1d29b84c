import ArgumentParser
import Foundation
import Ledger
import UnpaidReports

struct AgingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aging",
        abstract: "Unpaid amounts per organization and currency, in buckets by billing start ([aging] buckets).")

    @OptionGroup var config: ConfigOption

    @OptionGroup var series: SeriesSelection

    @Option(name: .customLong("as-of"), help: "YYYY-MM-DD[THH:MM[:SS]] in the configured time zone, or Unix seconds (default: now).")
    var asOf: String?

    @OptionGroup var presentation: RowFormatOption

    func run() async throws {
        try await AuditLedger.with(config) { audit in
            let buckets = audit.settings.aging.buckets
            let lines = try await audit.ledger.aging(organizationID: series.org, job: series.job,
                                               asOf: try audit.date(asOf, option: "--as-of") ?? Date(), buckets: buckets)
            var writer = presentation.format.writer(columns: AgingReport.columns(buckets), to: .standardOutput())
            try AgingReport.write(lines, buckets: buckets, to: &writer)
        }
    }
}
