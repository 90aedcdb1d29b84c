import ArgumentParser
import Foundation
import Ledger
import SQLiteLedger
import UnpaidCore

/// `verify` on the ledger the issue sizes it for: daily snapshots of a million orders,
/// one percent of the amounts changing each day. The ledger is built once into
/// `--directory` and reused, so a second run measures `verify` alone in its process.
struct VerifyBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Time Ledger.verify over daily snapshots with 1% churn (target: 30 x 1M in 30 s, 128 MiB).")

    @Option(help: "Orders in each snapshot.")
    var orders = 1_000_000

    @Option(help: "Daily snapshots.")
    var snapshots = 30

    @Option(help: "Folder for the SQLite file, kept for the next run.")
    var directory = "bench-cache/verify"

    func run() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/verify-\(orders)x\(snapshots).sqlite"
        print("verify benchmark (load average \(ProcessMeasurement.loadAverage))")
        var built = false
        if try !FileManager.default.fileExists(atPath: path) || SQLiteLedger(path: path).counts().snapshots != snapshots {
            try build(at: path)
            built = true
        }
        let ledger = try SQLiteLedger(path: path)
        ProcessMeasurement.resetPeakResident()
        let clock = ContinuousClock()
        var result: LedgerVerification?
        let elapsed = try clock.measure { result = try ledger.verify() }
        guard let verification = result else { return }
        print("  verify: \(format(elapsed.seconds)) s, \(verification.snapshots) snapshots, "
              + "\(verification.orderIntervals) order intervals, \(verification.problems.count) problems, head \(verification.head.map(\.description) ?? "none")")
        print("peak RSS        \(ProcessMeasurement.peakResidentText)\(built ? " (built the ledger in this process: run again for verify alone)" : "")")
        print("load average    \(ProcessMeasurement.loadAverage)")
    }

    private func build(at path: String) throws {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let ledger = try SQLiteLedger(path: path)
        let clock = ContinuousClock()
        for day in 0..<snapshots {
            let sorted = try LedgerBenchmark.sort(try Self.orders(orders, day: day), spillingTo: directory)
            let fetchedAt = Date(timeIntervalSince1970: 1_793_000_000 + Double(day) * 86_400)
            let run = try ledger.startRun(job: "bench", startedAt: fetchedAt)
            let snapshot = NewSnapshot(
                runID: run, job: "bench", organizationID: 1, window: try BillingWindow(start: 0, end: 86_400),
                periodLabel: "day-\(day)", fetchedAt: fetchedAt, fileName: "day-\(day).xlsx", fileSize: 1,
                sha256: String(format: "%064x", day), archivePath: "day-\(day).xlsx")
            let elapsed = try clock.measure {
                _ = try ledger.recordSnapshot(snapshot, orders: sorted) { .nothing(at: $0.snapshot.id.rawValue) }
            }
            try ledger.finishRun(run, status: .succeeded, error: nil, finishedAt: fetchedAt)
            print("  recorded day \(day): \(format(elapsed.seconds)) s")
        }
    }

    /// The same orders every day; on day d the amounts of the orders whose index is d
    /// modulo 100 grow by a cent and stay so: 1% of the orders change each day.
    private static func orders(_ count: Int, day: Int) throws -> PackedOrders {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var orders = PackedOrders(organizationID: 1, capacity: count)
        for index in 0..<count {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let changedOnDay = index % 100
            let changes = day / 100 + (changedOnDay != 0 && changedOnDay <= day % 100 ? 1 : 0)
            try orders.append(UnpaidOrder(
                orderNo: "U" + String(state, radix: 16), organizationID: 1, currency: index % 10 == 0 ? "CNY" : "USD",
                totalPrice: Money(units: Int128(state % 10_000_000_000) + Int128(changes * 10_000), scale: 6),
                startTime: 1_790_000_000 + Int64(index), productCode: "uhost", resourceID: "uhost-\(index)", modelID: nil))
        }
        return orders
    }
}
