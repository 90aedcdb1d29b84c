import ArgumentParser
import Foundation
import Ledger
import Logging
import PostgresLedger
import SQLiteLedger
import UnpaidCore
import UnpaidReports

/// `audit-postgres`: the `audit` benchmark's queries on PostgreSQL. Its SQLite ledgers
/// (built or reused in `--directory`) are copied, ids kept, into the databases given, once:
/// a database already holding as many rows of each kind is measured as it is. Against
/// servers the caller runs: the figures are the server's as much as ours.
struct PostgresAuditBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit-postgres",
        abstract: "Time orders-to-CSV, roll-forward, aging and the HTML report on PostgreSQL copies of the audit ledgers.")

    @Option(help: "postgresql://USER@HOST:PORT/DATABASE for the large series (empty, or holding its copy).")
    var url: String

    @Option(name: .customLong("report-url"), help: "Another database for the 200 organizations of the report, if timed.")
    var reportURL: String?

    @Option(name: .customLong("password-env"), help: "Environment variable holding the password.")
    var passwordEnvironment: String?

    @OptionGroup var ledgers: AuditLedgerOptions

    func run() async throws {
        try FileManager.default.createDirectory(atPath: ledgers.directory, withIntermediateDirectories: true)
        print("audit-postgres benchmark (load average \(ProcessMeasurement.loadAverage))")
        let logger = Logger(label: "audit-postgres", factory: { _ in SwiftLogNoOpLogHandler() })
        let large = try AuditLedgers.large(in: ledgers.directory, orders: ledgers.orders, days: ledgers.days, export: nil)
        let snapshots = try large.history().map(\.snapshotID)
        let first = try large.snapshot(snapshots.first!), last = try large.snapshot(snapshots.last!)
        try await withCopy(of: large, at: url, logger: logger) { ledger in
            if ledgers.times("orders") {
                try await Self.measure("orders --snapshot to CSV", target: "SQLite's 1.5 s, 64 MiB") {
                    let path = ledgers.directory + "/orders-postgres.csv"
                    let output = try ReportOutput.file(atomicallyAt: path)
                    var writer = RowFormat.csv.writer(columns: OrdersReport.columns, to: output)
                    var report = OrdersReport(timeZone: TimeZone(identifier: "Asia/Shanghai")!)
                    // On the reading task, as OrdersListing.writeSequentially does.
                    try await ledger.auditOrderRows(at: last.id, ageAt: nil) { try report.write($0, to: &writer) }
                    try writer.finish(trailer: nil)
                    try output.commit()
                    let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
                    try? FileManager.default.removeItem(atPath: path)
                    return "\(last.orderCount) rows, \(size / 1_048_576) MiB of CSV"
                }
            }
            if ledgers.times("rollforward") {
                try await Self.measure("rollforward first to last", target: "SQLite's 1 s") {
                    let result = try await ledger.rollForward(organizationID: 1, job: nil, from: first.fetchedAt,
                                                              to: last.fetchedAt, detail: false)
                    return result.lines.map { "\($0.currency): +\($0.new.count) -\($0.gone.count) ~\($0.amountChanges.count)" }
                        .joined(separator: ", ")
                }
            }
            if ledgers.times("aging") {
                try await Self.measure("aging over the last snapshot", target: "SQLite's 1.5 s") {
                    let lines = try await ledger.aging(organizationID: nil, job: nil,
                                                       asOf: last.fetchedAt.addingTimeInterval(86_400 * 40), buckets: .standard)
                    return "\(lines.reduce(0) { $0 + $1.total.count }) orders in \(lines.count) lines"
                }
            }
        }
        if let reportURL, ledgers.times("report") {
            try await withCopy(of: try AuditLedgers.manyOrganizations(in: ledgers.directory), at: reportURL, logger: logger) { ledger in
                try await Self.measure("report, 200 orgs x 90 days", target: "SQLite's 3 s") {
                    let asOf = AuditLedgers.start.addingTimeInterval(90 * 86_400)
                    let since = asOf.addingTimeInterval(-30 * 86_400)
                    let overviews = try await ledger.overviews(organizationID: nil, since: since, asOf: asOf,
                                                               buckets: .standard, largest: 10)
                    var html = HTMLReport(timeZone: TimeZone(identifier: "Asia/Shanghai")!, buckets: .standard,
                                          since: since, asOf: asOf)
                    let path = ledgers.directory + "/report-postgres.html"
                    let output = try ReportOutput.file(atomicallyAt: path)
                    try html.write(overviews, to: output)
                    try output.commit()
                    return "\(overviews.count) series"
                }
            }
        }
        print("load average    \(ProcessMeasurement.loadAverage)")
    }

    /// The PostgreSQL ledger at `url`, holding a copy of `source` (made now when it is empty).
    private func withCopy(of source: SQLiteLedger, at url: String, logger: Logger,
                          _ body: (PostgresLedger) async throws -> Void) async throws {
        let location = try PostgresLocation(url: url, passwordEnvironment: passwordEnvironment, key: "--url")
        try await PostgresLedger.withLedger(location, logger: logger) { ledger in
            let held = try await ledger.counts()
            if held.snapshots == 0 {
                let copying = try await ContinuousClock().measure { _ = try await ledger.copy(from: source) }
                print("copied into \(location) in \(format(copying.seconds)) s")
            } else if held != (try source.counts()) {
                throw ValidationError("\(location) holds another ledger than the one to measure; give an empty database")
            }
            try await body(ledger)
        }
    }

    private static func measure(_ name: String, target: String, _ body: () async throws -> String) async throws {
        ProcessMeasurement.resetPeakResident()
        var detail = ""
        let elapsed = try await ContinuousClock().measure { detail = try await body() }
        print("\(name.padding(toLength: 28, withPad: " ", startingAt: 0)) \(format(elapsed.seconds)) s  "
              + "(peak RSS \(ProcessMeasurement.peakResidentText); target \(target)) \(detail)")
    }
}
