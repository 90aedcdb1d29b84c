import Foundation
import Ledger
import SQLiteLedger
import OrderSpill
import UnpaidCore

/// Times the ledger on the sizes finance sees: a first snapshot of a large file, the
/// same file fetched again (hash shortcut), the same orders in new bytes (full diff),
/// and a day's churn of one percent.
enum LedgerBenchmark {
    static func run(orders count: Int, directory: String) throws -> String {
        let path = URL(fileURLWithPath: directory).appendingPathComponent("ledger-bench.sqlite").path
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let ledger = try SQLiteLedger(path: path)
        // Packed, as the pipeline packs them while it reads the file.
        let orders = try makeOrders(count, centsAddedToEvery: nil)
        let churned = try makeOrders(count, centsAddedToEvery: 100)
        var lines = ["ledger: \(count) orders, \(path)"]
        var minute = 0.0
        func measure(_ name: String, _ orders: PackedOrders, shaSeed: UInt8) throws {
            let fetchedAt = Date(timeIntervalSince1970: 1_793_000_000 + minute * 60)
            minute += 1
            let run = try ledger.startRun(job: "bench", startedAt: fetchedAt)
            let snapshot = NewSnapshot(
                runID: run, job: "bench", organizationID: 1, window: try BillingWindow(start: 0, end: 86_400),
                periodLabel: "bench", fetchedAt: fetchedAt, fileName: "bench.xlsx", fileSize: 1,
                sha256: String(repeating: String(format: "%02x", shaSeed), count: 32), archivePath: "bench.xlsx")
            let before = try ledger.counts().orderIntervals
            let clock = ContinuousClock()
            // The daemon's path: orders sorted into runs spilled to disk (the reader does
            // this as rows arrive, so it is timed apart), then recorded with the diff; no
            // rules, so no alerts.
            var sorted: SortedOrders?
            let sorting = try clock.measure { sorted = try sort(orders, spillingTo: directory) }
            let cpuBefore = ProcessMeasurement.cpuSeconds()
            let elapsed = try clock.measure {
                _ = try ledger.recordSnapshot(snapshot, orders: sorted!) { .nothing(at: $0.snapshot.id.rawValue) }
            }
            let cpu = ProcessMeasurement.cpuSeconds() - cpuBefore
            try ledger.finishRun(run, status: .succeeded, error: nil, finishedAt: fetchedAt)
            let written = try ledger.counts().orderIntervals - before
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            lines.append("  \(name): \(String(format: "%.3f", seconds)) s wall, \(String(format: "%.3f", cpu)) s CPU, "
                         + "\(written) order rows written (sorted into \(sorted!.spilledRuns) runs before, "
                         + "\(String(format: "%.3f", sorting.seconds)) s)")
        }
        try measure("first snapshot", orders, shaSeed: 1)
        try measure("same file again (same sha256)", orders, shaSeed: 1)
        try measure("same orders, new sha256 (full diff)", orders, shaSeed: 2)
        try measure("1% of amounts changed", churned, shaSeed: 3)
        return lines.joined(separator: "\n")
    }

    static func sort(_ orders: PackedOrders, spillingTo directory: String) throws -> SortedOrders {
        let sorter = OrderSorter(spillingTo: directory)
        try orders.withFields { fields in
            for position in 0..<fields.count {
                try sorter.append(organizationID: orders.organizationID,
                                  currency: String(decoding: fields.currency(position), as: UTF8.self),
                                  amount: fields.amount(position), startTime: fields.startTime(position)) { field, add in
                    switch field {
                    case .orderNo: add(fields.orderNo(position))
                    case .productCode: add(fields.productCode(position))
                    case .resourceID: add(fields.resourceID(position))
                    case .modelID: add(fields.modelID(position))
                    }
                }
            }
        }
        return try sorter.finish().orders(of: orders.organizationID)
    }

    /// Order numbers in no particular order, as exports list them by time, not number;
    /// one order in `centsAddedToEvery` costs a cent more.
    static func makeOrders(_ count: Int, centsAddedToEvery period: Int?) throws -> PackedOrders {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var orders = PackedOrders(organizationID: 1, capacity: count)
        for index in 0..<count {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            var units = Int128(state % 10_000_000_000)
            if let period, index % period == 0 { units += 10_000 }
            try orders.append(UnpaidOrder(
                orderNo: "U" + String(state, radix: 16), organizationID: 1, currency: index % 10 == 0 ? "CNY" : "USD",
                totalPrice: Money(units: units, scale: 6), startTime: 1_790_000_000 + Int64(index),
                productCode: "uhost", resourceID: "uhost-\(index)", modelID: nil))
        }
        return orders
    }
}
