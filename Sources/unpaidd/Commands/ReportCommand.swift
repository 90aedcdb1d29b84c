import ArgumentParser
import Foundation
import Ledger
import UnpaidReports

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "One self-contained HTML page: per organization and currency, unpaid totals over time, aging, the period's roll-forward and the largest orders.")

    @OptionGroup var config: ConfigOption

    @Option(help: "Only this organization.")
    var org: Int64?

    @Option(help: "Start of the period: YYYY-MM-DD[THH:MM[:SS]] in the configured time zone, or Unix seconds (default: 30 days before --as-of).")
    var since: String?

    @Option(name: .customLong("as-of"), help: "End of the period (default: now).")
    var asOf: String?

    @Option(name: [.short, .customLong("output")], help: "The HTML file to write (written under a temporary name, then renamed).")
    var output: String

    @Option(help: "How many of the largest unpaid orders to list per organization and currency.")
    var largest = 10

    func run() async throws {
        try await AuditLedger.with(config) { audit in
            let end = try audit.date(asOf, option: "--as-of") ?? Date()
            let start = try audit.date(since, option: "--since") ?? end.addingTimeInterval(-30 * 86_400)
            let buckets = audit.settings.aging.buckets
            let overviews = try await audit.ledger.overviews(organizationID: org, since: start, asOf: end, buckets: buckets,
                                                       largest: largest)
            // From the oldest latest snapshot on, so a series not fetched in the period is still
            // marked when its latest snapshot, the one the summary shows, was not reconciled.
            let oldestLatest = overviews.map(\.rollForward.closing.fetchedAt).min() ?? start
            let unreconciled = try await audit.ledger.unreconciledSnapshots(job: nil, organizationID: org, since: min(start, oldestLatest),
                                                                      until: Date(timeIntervalSince1970: end.timeIntervalSince1970.rounded(.down) + 1),
                                                                      limit: nil)
            let file = try ReportOutput.file(atomicallyAt: output)
            var report = HTMLReport(timeZone: audit.timeZone, buckets: buckets, since: start, asOf: end)
            try report.write(overviews, unreconciled: unreconciled, to: file)
            try file.commit()
        }
    }
}
