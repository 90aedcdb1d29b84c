import Foundation
import Ledger
import LedgerTestSupport
import SeededRandomness
import UnpaidCore

/// One random history, recorded through the `Ledger` interface the same way on every
/// backend, so every query must answer the same on both.
///
/// The history has two jobs and two organizations; orders arrive, leave, come back, change
/// amount (also to the same value written with more decimals) or currency; files repeat;
/// some snapshots are empty, some reconciled, some runs fail; some files were removed by
/// retention. Order numbers mix cases and UTF-8 so byte order matters.
struct QueryHistory {
    static let base = LedgerFixture.base
    static let series: [(job: String, organizationID: Int64)] = [("monthly", 42), ("monthly", 43), ("daily", 42)]
    static let currencies = ["USD", "CNY", "EUR"]
    static let numbers = ["O1", "O2", "o1", "O10", "Ö3", "订单-7", "O2 ", "Z", "a", "O9"]

    /// Every snapshot recorded, oldest first, and when each step happened.
    var snapshots: [SnapshotRecord] = []
    var moments: [Date] = []

    /// The snapshots a written-out history recorded (oldest first), fetched at its moments.
    init(snapshots: [SnapshotRecord]) {
        self.snapshots = snapshots
        moments = snapshots.map(\.fetchedAt)
    }

    private init() {}

    static func record(seed: UInt64, steps: Int = 24, on ledger: any Ledger) async throws -> QueryHistory {
        var history = QueryHistory()
        try await history.record(seed: seed, steps: steps, on: ledger)
        return history
    }

    private mutating func record(seed: UInt64, steps: Int, on ledger: any Ledger) async throws {
        var random = SplitMix64(seed: seed)
        var current = Array(repeating: [String: UnpaidOrder](), count: Self.series.count)
        for step in 0..<steps {
            let at = Self.base.addingTimeInterval(Double(step) * 90 + Double(random.next() % 1_000) / 1_000)
            moments.append(at)
            let which = Int(random.next() % UInt64(Self.series.count))
            let (job, organizationID) = Self.series[which]
            let run = try await ledger.startRun(job: job, startedAt: at)
            if random.next() % 7 == 0 {
                try await ledger.recordFailure(OrganizationFailure(
                    runID: run, job: job, organizationID: organizationID, failedAt: Int64(at.timeIntervalSince1970),
                    stage: "download", error: "HTTP 503 at step \(step)"))
                try await ledger.finishRun(run, status: .failed, error: "organization \(organizationID) failed",
                                           finishedAt: at.addingTimeInterval(2))
                continue
            }
            if random.next() % 5 != 0 { Self.mutate(&current[which], organizationID: organizationID, random: &random) }
            var snapshot = NewSnapshot(
                runID: run, job: job, organizationID: organizationID,
                window: try BillingWindow(start: 1_790_812_800, end: 1_793_491_200), periodLabel: "2026-10-01_2026-11-01",
                fetchedAt: at, fileName: "unpaid-\(organizationID)-\(step).xlsx", fileSize: 1_000 + Int64(step),
                sha256: String(repeating: String(format: "%02x", step % 256), count: 32),
                archivePath: "archive/\(organizationID)/\(step).xlsx")
            if random.next() % 3 == 0 { snapshot.reconciliation = Self.reconciliation(random: &random) }
            let orders = current[which].keys.sorted().map { current[which][$0]! }
            let recorded: SnapshotRecord
            if random.next() % 4 == 0 {
                recorded = try await ledger.recordSnapshot(snapshot, orders: orders)
            } else {
                recorded = try await ledger.recordSnapshot(snapshot, orders: orders) { _ in .nothing(at: 0) }.record
            }
            snapshots.append(recorded)
            if random.next() % 6 == 0 {
                try await ledger.recordArchiveRemoval(recorded.id, at: at.addingTimeInterval(30), reason: "retention 400d")
            }
            try await ledger.finishRun(run, status: random.next() % 5 == 0 ? .partial : .succeeded,
                                       error: nil, finishedAt: at.addingTimeInterval(5))
        }
        let watched = Self.series.prefix(2).map { WatchedSeries(job: $0.job, organizationID: $0.organizationID) }
        try await ledger.evaluatePipelineAlerts(watched, now: Int64(Self.base.timeIntervalSince1970) + 10_000, runID: nil) { _ in
            .nothing(at: 0)
        }
    }

    private static func mutate(_ orders: inout [String: UnpaidOrder], organizationID: Int64, random: inout SplitMix64) {
        for number in orders.keys.sorted() where random.next() % 5 == 0 { orders[number] = nil }
        for number in orders.keys.sorted() where random.next() % 5 == 0 {
            var existing = orders[number]!
            switch random.next() % 3 {
            case 0: existing.totalPrice = Money(units: Int128(random.next() % 100_000) - 20_000, scale: 2)
            case 1: existing.currency = Self.currencies[Int(random.next() % 3)]
            default: existing.totalPrice = Money(units: existing.totalPrice.units * 10, scale: existing.totalPrice.scale + 1)
            }
            orders[number] = existing
        }
        for _ in 0..<Int(random.next() % 5) {
            let number = Self.numbers[Int(random.next() % UInt64(Self.numbers.count))]
            orders[number] = UnpaidOrder(
                orderNo: number, organizationID: organizationID, currency: Self.currencies[Int(random.next() % 3)],
                totalPrice: Money(units: Int128(random.next() % 100_000), scale: Int(random.next() % 4)),
                startTime: random.next() % 4 == 0 ? nil : 1_791_000_000 + Int64(random.next() % 2_000_000),
                productCode: random.next() % 3 == 0 ? nil : "modelverse", resourceID: "res-\(number)",
                modelID: random.next() % 2 == 0 ? nil : "m-\(random.next() % 9)")
        }
    }

    private static func reconciliation(random: inout SplitMix64) -> Reconciliation {
        switch random.next() % 3 {
        case 0:
            Reconciliation(status: .reconciled, exportCount: 2, exportAmount: try! Money("15.50"),
                           before: .answered(AmountAnswer(count: 2, amount: try! Money("15.5"), requestID: "rb")),
                           after: .answered(AmountAnswer(count: 2, amount: try! Money("15.50"), requestID: nil)),
                           refetched: false, reason: nil)
        case 1:
            Reconciliation(status: .mismatch, exportCount: 2, exportAmount: try! Money("15.50"),
                           before: .answered(AmountAnswer(count: 3, amount: try! Money("16.5"), requestID: "req-before")),
                           after: .unavailable(AmountUnavailable(reason: "timeout", requestID: "ra")),
                           refetched: true, reason: "export 2 orders, GetOrderAmount 3")
        default:
            Reconciliation(status: .unavailable, exportCount: 2, exportAmount: nil,
                           before: .unavailable(AmountUnavailable(reason: "GetOrderAmount: unknown action", requestID: "r1")),
                           after: .unavailable(AmountUnavailable(reason: "GetOrderAmount: unknown action")),
                           refetched: false, reason: "GetOrderAmount: unknown action")
        }
    }
}
