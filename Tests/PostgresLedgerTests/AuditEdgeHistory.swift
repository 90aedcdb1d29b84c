import Foundation
import Ledger
import UnpaidCore

/// A written-out history for the audit queries' edges, beside the random ones: ages exactly
/// on the bucket limits, billing not yet started or unknown, negative amounts; orders paid,
/// coming back, changing amount or currency; the same order number in two series; two jobs
/// for one organization; snapshots with zero orders, one of them a series' first.
enum AuditEdgeHistory {
    static let start = Date(timeIntervalSince1970: 1_793_000_000.25)
    static let day: Int64 = 86_400
    static let startSecond: Int64 = 1_793_000_000

    /// The moments the queries are asked about: before everything, on and between the
    /// snapshots, on the second of one, and long after (ages past every bucket).
    static var moments: [Date] {
        [-1, 0, 0.5, 43_199, 43_200.25, 86_400.25, 90_000, 172_800, 172_900.25, 200_000, 259_200.25, 259_211,
         31 * 86_400, 120 * 86_400].map { start.addingTimeInterval($0) }
    }

    static func record(on ledger: any Ledger) async throws -> QueryHistory {
        var recorded: [SnapshotRecord] = []
        func snapshot(_ job: String, _ organizationID: Int64, after seconds: TimeInterval,
                      _ orders: [(String, String, String, Int64?)]) async throws {
            let at = start.addingTimeInterval(seconds)
            let run = try await ledger.startRun(job: job, startedAt: at)
            let new = NewSnapshot(
                runID: run, job: job, organizationID: organizationID,
                window: try BillingWindow(start: 1_790_812_800, end: 1_793_491_200), periodLabel: "2026-10-01_2026-11-01",
                fetchedAt: at, fileName: "edge-\(recorded.count).xlsx", fileSize: 100, sha256: String(repeating: "ab", count: 32),
                archivePath: "archive/edge-\(recorded.count).xlsx")
            let unpaid = try orders.map { number, currency, amount, startTime in
                UnpaidOrder(orderNo: number, organizationID: organizationID, currency: currency, totalPrice: try Money(amount),
                            startTime: startTime, productCode: "modelverse", resourceID: "res-\(number)")
            }
            recorded.append(try await ledger.recordSnapshot(new, orders: unpaid) { _ in .nothing(at: 0) }.record)
            try await ledger.finishRun(run, status: .succeeded, error: nil, finishedAt: at.addingTimeInterval(1))
        }
        let t = startSecond, day = day
        try await snapshot("monthly", 42, after: 0, [
            ("O1", "USD", "10.00", t - 31 * day), ("O2", "USD", "5.5", t - 30 * day), ("O3", "CNY", "7.50", nil),
            ("O4", "EUR", "1", t + 3_600), ("o1", "USD", "0.01", t - 90 * day - 1), ("Ö3", "USD", "2", t - 91 * day),
            ("订单-7", "CNY", "-3.00", t - day + 1), ("O60", "USD", "60", t - 60 * day), ("O61", "USD", "61", t - 61 * day),
        ])
        try await snapshot("daily", 42, after: 43_200, [("O1", "CNY", "99.999", t - 10 * day), ("Z", "USD", "1", t)])
        try await snapshot("monthly", 42, after: 86_400, [
            ("O2", "USD", "6.00", t - 30 * day), ("O3", "USD", "7.50", nil), ("O4", "EUR", "1", t + 3_600),
            ("O5", "USD", "100", t - 60 * day), ("o1", "USD", "0.01", t - 90 * day - 1), ("Ö3", "USD", "2", t - 91 * day),
            ("O60", "USD", "60", t - 60 * day), ("O61", "USD", "61", t - 61 * day),
        ])
        try await snapshot("monthly", 43, after: 90_000, [])
        try await snapshot("monthly", 42, after: 172_800, [])
        try await snapshot("monthly", 43, after: 172_900, [("O1", "EUR", "5", t + 2 * day)])
        try await snapshot("monthly", 42, after: 259_200, [
            ("O1", "USD", "10.00", t - 31 * day), ("O2", "USD", "6.000", t - 30 * day), ("O5", "USD", "100.5", t - 60 * day),
        ])
        try await snapshot("daily", 42, after: 259_210, [("O1", "CNY", "99.999", t - 10 * day), ("a", "EUR", "0.5", nil)])
        return QueryHistory(snapshots: recorded)
    }
}
