import ArgumentParser
import Foundation
import Ledger
import SQLiteLedger
import UnpaidCore
import UnpaidExport
import UnpaidReports

/// `audit`: the audit queries on the ledgers finance keeps: one series of 1M orders with
/// 30 daily snapshots of 1% churn (targets: orders to CSV 1.5 s and 64 MiB, roll-forward
/// first to last 1 s, aging 1.5 s), and 200 organizations of 90 daily snapshots each
/// (target: the HTML report 3 s). The ledgers are built once into `--directory` and
/// reused; each query is best measured in a process of its own (`--query`).
struct AuditBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Time orders-to-CSV, roll-forward, aging and the HTML report on large ledgers.")

    @OptionGroup var ledgers: AuditLedgerOptions

    @Option(help: "The large series' first snapshot from this export (every row as one organization's) instead of generated orders.")
    var xlsx: String?

    func run() async throws {
        try FileManager.default.createDirectory(atPath: ledgers.directory, withIntermediateDirectories: true)
        print("audit benchmark (load average \(ProcessMeasurement.loadAverage))")
        let large = try AuditLedgers.large(in: ledgers.directory, orders: ledgers.orders, days: ledgers.days, export: xlsx)
        let many = try AuditLedgers.manyOrganizations(in: ledgers.directory)
        let clock = ContinuousClock()
        func measure(_ name: String, target: String, _ body: () async throws -> String) async throws {
            ProcessMeasurement.resetPeakResident()
            var detail = ""
            let elapsed = try await clock.measure { detail = try await body() }
            print("\(name.padding(toLength: 28, withPad: " ", startingAt: 0)) \(format(elapsed.seconds)) s  "
                  + "(peak RSS \(ProcessMeasurement.peakResidentText); target \(target)) \(detail)")
        }
        let snapshots = try large.history().map(\.snapshotID)
        let first = try large.snapshot(snapshots.first!), last = try large.snapshot(snapshots.last!)
        if ledgers.times("orders") {
            try await measure("orders --snapshot to CSV", target: "1.5 s, 64 MiB") {
                let path = ledgers.directory + "/orders.csv"
                let output = try ReportOutput.file(atomicallyAt: path)
                var writer = RowFormat.csv.writer(columns: OrdersReport.columns, to: output)
                var report = OrdersReport(timeZone: TimeZone(identifier: "Asia/Shanghai")!)
                try await OrdersListing.write([last.id], from: large, ageAt: nil, report: &report, to: &writer)
                try writer.finish(trailer: nil)
                try output.commit()
                let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
                try? FileManager.default.removeItem(atPath: path)
                return "\(last.orderCount) rows, \(size / 1_048_576) MiB of CSV"
            }
        }
        if ledgers.times("rollforward") {
            try await measure("rollforward first to last", target: "1 s") {
                let result = try large.rollForward(organizationID: 1, from: first.fetchedAt, to: last.fetchedAt)
                return result.lines.map { "\($0.currency): +\($0.new.count) -\($0.gone.count) ~\($0.amountChanges.count)" }
                    .joined(separator: ", ")
            }
        }
        if ledgers.times("aging") {
            try await measure("aging over the last snapshot", target: "1.5 s") {
                let lines = try large.aging(asOf: last.fetchedAt.addingTimeInterval(86_400 * 40))
                return "\(lines.reduce(0) { $0 + $1.total.count }) orders in \(lines.count) lines"
            }
        }
        if ledgers.times("report") {
            try await measure("report, 200 orgs x 90 days", target: "3 s") {
                let asOf = AuditLedgers.start.addingTimeInterval(90 * 86_400)
                let since = asOf.addingTimeInterval(-30 * 86_400)
                let overviews = try many.overviews(since: since, asOf: asOf, buckets: .standard)
                let path = ledgers.directory + "/report.html"
                let output = try ReportOutput.file(atomicallyAt: path)
                var report = HTMLReport(timeZone: TimeZone(identifier: "Asia/Shanghai")!, buckets: .standard,
                                        since: since, asOf: asOf)
                try report.write(overviews, to: output)
                try output.commit()
                let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
                return "\(overviews.count) series, \(size / 1024) KiB of HTML"
            }
        }
        print("load average    \(ProcessMeasurement.loadAverage)")
    }
}

/// The benchmark's ledgers, built on first use.
enum AuditLedgers {
    static let start = Date(timeIntervalSince1970: 1_790_000_000)

    /// One series: `orders` orders (or the rows of `export`), then `days` daily snapshots with 1% churn.
    static func large(in directory: String, orders count: Int, days: Int, export: String?) throws -> SQLiteLedger {
        let source = export.map { "export-" + URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent }
        let path = directory + "/audit-large-\(source ?? String(count))-\(days).sqlite"
        return try cached(at: path) { ledger in
            var orders = try export.map(exportedOrders) ?? (0..<count).map { order($0, organization: 1, day: 0) }
            for day in 0...days {
                if day > 0 {
                    for index in stride(from: day % 200, to: orders.count, by: 200) {
                        orders[index] = export == nil ? order(index, organization: 1, day: day) : reissued(orders[index], index, day: day)
                    }
                    for index in stride(from: (day + 100) % 200, to: orders.count, by: 200) {
                        orders[index].totalPrice = orders[index].totalPrice + Money(units: 1, scale: 2)
                    }
                }
                try record(orders, organization: 1, day: day, in: ledger)
            }
        }
    }

    /// 200 organizations of 100 orders, 90 daily snapshots each, 3% churn a day.
    static func manyOrganizations(in directory: String) throws -> SQLiteLedger {
        try cached(at: directory + "/audit-200x90.sqlite") { ledger in
            var orders = (1...200).map { organization in (0..<100).map { order($0, organization: Int64(organization), day: 0) } }
            for day in 0..<90 {
                for organization in 1...200 {
                    if day > 0 {
                        for index in [day % 100, (day + 50) % 100] {
                            orders[organization - 1][index] = order(index, organization: Int64(organization), day: day)
                        }
                        orders[organization - 1][(day + 25) % 100].totalPrice += Money(units: 50, scale: 2)
                    }
                    try record(orders[organization - 1], organization: Int64(organization), day: day, in: ledger)
                }
            }
        }
    }

    /// The ledger at `path`, built by `build` first when missing: into a `.partial` file,
    /// moved in place only once closed: removing the WAL of a ledger still open loses its
    /// last transactions and leaves a malformed file.
    private static func cached(at path: String, build: (SQLiteLedger) throws -> Void) throws -> SQLiteLedger {
        if FileManager.default.fileExists(atPath: path) { return try SQLiteLedger(path: path) }
        print("building \(path) (once)")
        let partial = path + ".partial"
        for file in [partial, partial + "-wal", partial + "-shm", path + "-wal", path + "-shm"] {
            try? FileManager.default.removeItem(atPath: file)
        }
        // The ledger is released, so closed and checkpointed, when this statement ends.
        try build(try SQLiteLedger(path: partial))
        if FileManager.default.fileExists(atPath: partial + "-wal") {
            try FileManager.default.moveItem(atPath: partial + "-wal", toPath: path + "-wal")
        }
        try? FileManager.default.removeItem(atPath: partial + "-shm")
        try FileManager.default.moveItem(atPath: partial, toPath: path)
        return try SQLiteLedger(path: path)
    }

    /// Every row of the export, as one organization's: the generated export spreads its
    /// million rows over a dozen organizations, the benchmark wants them in one snapshot.
    private static func exportedOrders(_ path: String) throws -> [UnpaidOrder] {
        var orders: [UnpaidOrder] = []
        orders.reserveCapacity(1_000_000)
        _ = try readUnpaidExport(at: path) { order in
            var order = order
            order.organizationID = 1
            orders.append(order)
        }
        return orders
    }

    /// An exported order paid and replaced by a new one on `day`: same shape, a new number.
    private static func reissued(_ order: UnpaidOrder, _ index: Int, day: Int) -> UnpaidOrder {
        var order = order
        order.orderNo = "UN" + String(format: "%03d%015d", day, index)
        order.startTime = order.startTime.map { $0 + Int64(day) * 86_400 }
        return order
    }

    /// The order at `index` as it was (re)issued on `day`: a new number each time.
    static func order(_ index: Int, organization: Int64, day: Int) -> UnpaidOrder {
        var state = UInt64(index) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(day) &* 0xBF58_476D_1CE4_E5B9
        state ^= state >> 29
        return UnpaidOrder(orderNo: "U\(organization)-\(day)-\(index)", organizationID: organization,
                           currency: index % 10 == 0 ? "CNY" : "USD",
                           totalPrice: Money(units: Int128(state % 10_000_000), scale: 4),
                           startTime: Int64(start.timeIntervalSince1970) - Int64(state % 200) * 86_400 + Int64(day) * 86_400,
                           productCode: index % 2 == 0 ? "modelverse" : "sandbox", resourceID: "res-\(index)",
                           modelID: nil)
    }

    private static func record(_ orders: [UnpaidOrder], organization: Int64, day: Int, in ledger: SQLiteLedger) throws {
        let fetchedAt = start.addingTimeInterval(Double(day) * 86_400)
        let run = try ledger.startRun(job: "daily", startedAt: fetchedAt)
        let snapshot = NewSnapshot(
            runID: run, job: "daily", organizationID: organization,
            window: try BillingWindow(start: Int64(fetchedAt.timeIntervalSince1970) - 86_400,
                                      end: Int64(fetchedAt.timeIntervalSince1970)),
            periodLabel: "day \(day)", fetchedAt: fetchedAt, fileName: "daily-\(day).xlsx", fileSize: 1,
            sha256: String(repeating: String(format: "%02x", (day + 1) % 256), count: 32), archivePath: "archive/\(organization)/\(day).xlsx")
        _ = try ledger.recordSnapshot(snapshot, orders: orders) { .nothing(at: $0.snapshot.id.rawValue) }
        try ledger.finishRun(run, status: .succeeded, error: nil, finishedAt: fetchedAt)
    }
}
