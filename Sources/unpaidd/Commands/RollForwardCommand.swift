import ArgumentParser
import Foundation
import Ledger
import UnpaidReports

struct RollForwardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollforward",
        abstract: "Per currency: opening unpaid + new − gone ± amount changes = closing unpaid, checked.",
        discussion: """
            Opening is the series' latest snapshot at or before --from, closing the latest at or before --to. \
            The identity is checked for every currency; a violation is an error.
            """)

    @OptionGroup var config: ConfigOption

    @Option(help: "Organization id.")
    var org: Int64

    @Option(help: "The job, when several jobs fetch the organization.")
    var job: String?

    @Option(help: "Start: YYYY-MM-DD[THH:MM[:SS]] in the configured time zone, or Unix seconds.")
    var from: String

    @Option(help: "End, same forms as --from.")
    var to: String

    @Flag(help: "List the orders behind each movement (the summary then follows them).")
    var detail = false

    @OptionGroup var presentation: RowFormatOption

    func run() async throws {
        try await AuditLedger.with(config) { audit in
            let rollForward = try await audit.ledger.rollForward(
                organizationID: org, job: job, from: try audit.date(from, option: "--from")!,
                to: try audit.date(to, option: "--to")!, detail: detail)
            let columns = detail ? RollForwardReport.detailColumns : RollForwardReport.summaryColumns
            var writer = presentation.format.writer(columns: columns, to: .standardOutput())
            try RollForwardReport.write(rollForward, timeZone: audit.timeZone, detail: detail, to: &writer)
        }
    }
}
