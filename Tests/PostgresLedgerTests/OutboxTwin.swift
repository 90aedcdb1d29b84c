import Foundation
import GRDB
import Ledger
import Logging
import PostgresTestSupport
import Testing
import UnpaidCore
@testable import PostgresLedger
@testable import SQLiteLedger

/// A few snapshots recorded by the reference backend (SQLite) and copied, ids kept, into a
/// fresh PostgreSQL database, so outbox rows can be queued against the same snapshots and
/// runs on both. Run `running` is left running; the others finished.
struct OutboxTwin {
    static let logger = Logger(label: "postgres-outbox-tests", factory: { _ in SwiftLogNoOpLogHandler() })
    static let base = Date(timeIntervalSince1970: 1_793_000_000)

    let sqlite: SQLiteLedger
    /// One snapshot per finished run, oldest first, then one in a run still running.
    let snapshots: [SnapshotRecord]
    let location: PostgresLocation
    let environment: [String: String]

    var running: RunID { snapshots.last!.runID }

    /// The twin for the duration of `body`.
    static func with<Result>(snapshots count: Int = 3, _ body: (OutboxTwin) async throws -> Result) async throws -> Result {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("pg-outbox-\(UUID().uuidString)", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let sqlite = try SQLiteLedger(path: directory.appendingPathComponent("ledger.sqlite").path)
        let snapshots = try record(count, on: sqlite)
        let twin = OutboxTwin(sqlite: sqlite, snapshots: snapshots,
                              location: try await TestPostgresCluster.shared.freshDatabase(),
                              environment: try await TestPostgresCluster.shared.environment())
        _ = try await twin.withPostgres { try await $0.copy(from: sqlite) }
        return try await body(twin)
    }

    /// Synchronous, so the SQLite ledger's own methods are called, not the protocol's async forms.
    private static func record(_ count: Int, on sqlite: SQLiteLedger) throws -> [SnapshotRecord] {
        var snapshots: [SnapshotRecord] = []
        for index in 0..<count {
            let at = base.addingTimeInterval(Double(index) * 600)
            let run = try sqlite.startRun(job: "monthly", startedAt: at)
            let snapshot = NewSnapshot(
                runID: run, job: "monthly", organizationID: 42,
                window: try BillingWindow(start: 1_790_812_800, end: 1_793_491_200), periodLabel: "2026-10-01_2026-11-01",
                fetchedAt: at, fileName: "unpaid-\(index).xlsx", fileSize: 1_000,
                sha256: String(repeating: "\(index % 10)", count: 64), archivePath: "archive/\(index).xlsx")
            let orders = [UnpaidOrder(orderNo: "O\(index)", organizationID: 42, currency: "USD",
                                      totalPrice: Money(units: Int128(100 + index), scale: 2), startTime: nil,
                                      productCode: nil, resourceID: "r", modelID: nil)]
            snapshots.append(try sqlite.recordSnapshot(snapshot, orders: orders) { _ in .nothing(at: 0) }.record)
            if index < count - 1 {
                try sqlite.finishRun(run, status: .succeeded, error: nil, finishedAt: at.addingTimeInterval(5))
            }
        }
        return snapshots
    }

    /// One write transaction on the SQLite twin, synchronously.
    func writeSQLite<Result>(_ body: (Database) throws -> Result) throws -> Result {
        try sqlite.pool.write(body)
    }

    func readSQLite<Result>(_ body: (Database) throws -> Result) throws -> Result {
        try sqlite.pool.read(body)
    }

    func sqliteDeliveries() throws -> [OutboxEntry] {
        try sqlite.deliveries()
    }

    func withPostgres<Result>(_ body: (PostgresLedger) async throws -> Result) async throws -> Result {
        try await PostgresLedger.withLedger(location, environment: environment, logger: Self.logger,
                                            maximumConnections: 2, body)
    }

    /// Queues `delivery` on SQLite as the snapshot's transaction would.
    func enqueueOnSQLite(_ delivery: PlannedDelivery, at now: Int64, runID: RunID? = nil) throws -> Bool {
        try writeSQLite { try SQLiteLedger.enqueue(delivery, at: now, runID: runID, in: $0) }
    }
}

/// Notifications and states as alert evaluation makes them.
enum OutboxSamples {
    static func identity(_ rule: String, currency: String? = "USD") -> AlertIdentity {
        AlertIdentity(rule: rule, job: "monthly", organizationID: 42, currency: currency)
    }

    /// About snapshot `snapshotID` (a change alert), or about the pipeline when nil.
    static func notification(_ messageID: String, rule: String = "grew", snapshotID: Int64?, kind: AlertNotification.Kind = .firing,
                             createdAt: Int64 = 1_000) -> AlertNotification {
        var note = AlertNotification(
            messageID: messageID, kind: kind, identity: identity(rule, currency: snapshotID == nil ? nil : "USD"),
            condition: "on = increase", targets: ["ops"], snapshotID: snapshotID, firingSince: 1_000, createdAt: createdAt,
            before: Total(count: 1, sum: try! Money("10.00")), after: Total(count: 2, sum: try! Money("25.50")),
            newOrderCount: 1, goneOrderCount: 0, changedOrderCount: 0, highlightedOrders: [])
        if snapshotID == nil {
            note.pipeline = SeriesHealth(job: "monthly", organizationID: 42, watchedSince: 900, lastSuccessAt: nil,
                                         lastSuccessSnapshotID: nil, consecutiveFailures: 3, lastFailureAt: 990,
                                         lastError: "download: HTTP 503")
        }
        return note
    }

    static func state(_ rule: String, snapshotID: Int64?, status: AlertState.Status = .firing,
                      notifiedAt: Int64 = 1_000) -> AlertState {
        AlertState(identity: identity(rule, currency: snapshotID == nil ? nil : "USD"), status: status,
                   firingSince: 1_000, lastNotifiedAt: notifiedAt, resolvedAt: status == .resolved ? notifiedAt : nil,
                   lastSnapshotID: snapshotID)
    }
}
