import ArgumentParser
import Foundation
import Ledger
import UnpaidReports

struct OrdersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orders",
        abstract: "The unpaid orders of a snapshot, or of each series' latest snapshot at or before a date.",
        discussion: """
            Per currency, the orders listed are checked to add up to the snapshot's recorded totals \
            (the table's footer, the JSON trailer); a difference is an error, never a silent listing.
            """)

    @OptionGroup var config: ConfigOption

    @Option(help: "This snapshot (the id history shows).")
    var snapshot: Int64?

    @Option(help: "Or: this organization's latest snapshot of each job at or before --as-of.")
    var org: Int64?

    @Option(help: "With --org: only this job.")
    var job: String?

    @Option(name: .customLong("as-of"), help: "With --org: YYYY-MM-DD[THH:MM[:SS]] in the configured time zone, or Unix seconds (default: now).")
    var asOf: String?

    @OptionGroup var presentation: RowFormatOption

    func validate() throws {
        guard (snapshot == nil) != (org == nil) else { throw ValidationError("give either --snapshot or --org") }
        if snapshot != nil, job != nil || asOf != nil {
            throw ValidationError("--job and --as-of go with --org, not with --snapshot")
        }
    }

    func run() async throws {
        try await AuditLedger.with(config) { audit in
            let moment = try audit.date(asOf, option: "--as-of")
            let snapshots: [SnapshotRecord]
            if let snapshot {
                snapshots = [try await audit.ledger.snapshot(SnapshotID(rawValue: snapshot))]
            } else {
                snapshots = try await audit.ledger.snapshots(asOf: moment ?? Date(), organizationID: org, job: job)
                guard !snapshots.isEmpty else {
                    throw CommandError("no snapshot of organization \(org!)\(job.map { " by job \"\($0)\"" } ?? "") "
                                       + "fetched at or before \(asOf ?? "now"); unpaidd history lists the snapshots")
                }
            }
            let output = ReportOutput.standardOutput()
            var writer = presentation.format.writer(columns: OrdersReport.columns, to: output)
            var report = OrdersReport(timeZone: audit.timeZone)
            try await OrdersListing.write(snapshots.map(\.id), from: audit.ledger, ageAt: moment, report: &report, to: &writer)
            try writer.finish(trailer: OrdersReport.trailer(snapshots))
        }
    }
}
