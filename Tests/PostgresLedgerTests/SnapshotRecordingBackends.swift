import Foundation
import Ledger
import OrderSpill
import PostgresNIO
import Testing
import UnpaidCore
@testable import PostgresLedger
@testable import SQLiteLedger

/// What the snapshot and alerting tests need of a ledger, answered by each backend's own
/// methods, plus raw text rows. Written before `PostgresLedger` conformed to `Ledger`;
/// `LedgerFixture` now serves the same purpose and these tests can move to it.
protocol SnapshotRecorderUnderTest: RecordingUnderTest {
    @discardableResult
    func recordSnapshot(_ snapshot: NewSnapshot, orders: SortedOrders) async throws -> SnapshotRecord
    func recordSnapshot(_ snapshot: NewSnapshot, orders: SortedOrders,
                        alerting: (AlertingInput) throws -> AlertingPlan) async throws -> AlertedSnapshot
    @discardableResult
    func recordAlerts(job: String, organizationID: Int64,
                      alerting: ([AlertState]) throws -> AlertingPlan) async throws -> Int
    @discardableResult
    func evaluatePipelineAlerts(_ series: [WatchedSeries], now: Int64, runID: RunID?,
                                alerting: (PipelineAlertingInput) throws -> AlertingPlan) async throws -> AlertingPlan
    func chainHead() async throws -> ChainHead?
    func changeRows(in id: SnapshotID) async throws -> [ChangeRow]
    func changes(in id: SnapshotID) async throws -> [StoredChange]?
    func counts() async throws -> LedgerCounts
    func orders(at id: SnapshotID) async throws -> [UnpaidOrder]
    /// The one text column of each row `sql` selects: the test's own literal, valid on both.
    func textRows(_ sql: String) async throws -> [String]
}

extension SQLiteLedger: SnapshotRecorderUnderTest {
    func textRows(_ sql: String) async throws -> [String] {
        try await pool.read { try String.fetchAll($0, sql: sql) }
    }
}

extension PostgresLedger: SnapshotRecorderUnderTest {
    func textRows(_ sql: String) async throws -> [String] {
        try await read { connection in
            var texts: [String] = []
            for try await text in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
                .decode(String.self) { texts.append(text) }
            return texts
        }
    }
}

extension RecordingBackend {
    func withRecorder<Result>(_ body: (any SnapshotRecorderUnderTest) async throws -> Result) async throws -> Result {
        try await withLedger { ledger in try await body(try #require(ledger as? any SnapshotRecorderUnderTest)) }
    }

    /// `body` on a fresh ledger of each backend: the reference's answer first.
    static func onBoth<Result>(_ body: (any SnapshotRecorderUnderTest) async throws -> Result) async throws
        -> (sqlite: Result, postgres: Result) {
        (try await RecordingBackend.sqlite.withRecorder(body), try await RecordingBackend.postgres.withRecorder(body))
    }
}

/// Every row a recording writes, as text, in key order: what two backends that recorded
/// the same history must hold byte for byte.
enum StoredRows {
    static let intervals = """
        SELECT CAST(series_id AS TEXT) || '|' || CAST(closed_by_snapshot_id AS TEXT) || '|' || order_no || '|'
               || currency || '|' || amount_text || '|' || coalesce(CAST(start_time AS TEXT), 'NULL') || '|'
               || coalesce(product_code, 'NULL') || '|' || coalesce(resource_id, 'NULL') || '|'
               || coalesce(model_id, 'NULL') || '|' || CAST(first_snapshot_id AS TEXT)
        FROM order_interval ORDER BY series_id, closed_by_snapshot_id, order_no
        """
    static let changes = """
        SELECT CAST(d.snapshot_id AS TEXT) || '|' || coalesce(CAST(d.previous_snapshot_id AS TEXT), 'NULL') || '|'
               || CAST(d.changed_currencies AS TEXT) || '|' || d.diff_json
        FROM snapshot_diff d ORDER BY d.snapshot_id
        """
    static let changedOrders = """
        SELECT CAST(snapshot_id AS TEXT) || '|' || currency || '|' || order_no || '|' || change || '|'
               || coalesce(before_amount_text, 'NULL') || '|' || coalesce(after_amount_text, 'NULL')
        FROM snapshot_change_order ORDER BY snapshot_id, currency, order_no
        """
    static let snapshots = """
        SELECT CAST(s.id AS TEXT) || '|' || CAST(s.series_id AS TEXT) || '|' || CAST(s.row_count AS TEXT) || '|'
               || coalesce(t.currency, 'NULL') || '|' || coalesce(CAST(t.order_count AS TEXT), 'NULL') || '|'
               || coalesce(t.sum_text, 'NULL') || '|' || c.previous_hash || '|' || c.chain_hash
        FROM snapshot s JOIN snapshot_chain c ON c.snapshot_id = s.id
        LEFT JOIN snapshot_total t ON t.snapshot_id = s.id ORDER BY s.id, t.currency
        """
    static let alerts = """
        SELECT identity_key || '|' || status || '|' || CAST(firing_since AS TEXT) || '|'
               || CAST(last_notified_at AS TEXT) || '|' || coalesce(CAST(resolved_at AS TEXT), 'NULL') || '|'
               || coalesce(CAST(last_snapshot_id AS TEXT), 'NULL')
        FROM alert_state ORDER BY identity_key
        """
    static let outbox = """
        SELECT CAST(id AS TEXT) || '|' || message_id || '|' || target || '|' || kind || '|'
               || coalesce(CAST(snapshot_id AS TEXT), 'NULL') || '|' || CAST(created_at AS TEXT) || '|' || status
               || '|' || coalesce(CAST(run_id AS TEXT), 'NULL') || '|' || notification_json
        FROM outbox ORDER BY id
        """
    static let all = [intervals, changes, changedOrders, snapshots, alerts, outbox]

    static func of(_ ledger: any SnapshotRecorderUnderTest) async throws -> [[String]] {
        var tables: [[String]] = []
        for sql in all { tables.append(try await ledger.textRows(sql)) }
        return tables
    }
}

/// Runs and snapshots of one series at fixed instants, so both backends draw the same ids
/// and hash the same values.
struct SnapshotScript {
    static let base = Date(timeIntervalSince1970: 1_793_000_000)
    static let window = try! BillingWindow(start: 1_790_812_800, end: 1_793_491_200)
    static let highlights = OrderHighlights.Request(limit: 5, cutoffs: [])

    let ledger: any SnapshotRecorderUnderTest

    static func snapshot(run: RunID, job: String = "monthly", organizationID: Int64 = 42, shaSeed: Int,
                         minute: Int) -> NewSnapshot {
        NewSnapshot(runID: run, job: job, organizationID: organizationID, window: window,
                    periodLabel: "2026-10-01_2026-11-01", fetchedAt: base.addingTimeInterval(Double(minute) * 60),
                    fileName: "unpaid-\(organizationID)-\(shaSeed).xlsx", fileSize: 1000 + Int64(shaSeed),
                    sha256: String(repeating: String(format: "%02x", shaSeed % 256), count: 32),
                    archivePath: "archive/\(organizationID)/\(shaSeed).xlsx")
    }

    func startRun(minute: Int, job: String = "monthly") async throws -> RunID {
        try await ledger.startRun(job: job, startedAt: Self.base.addingTimeInterval(Double(minute) * 60))
    }

    func finish(_ run: RunID, minute: Int) async throws {
        try await ledger.finishRun(run, status: .succeeded, error: nil,
                                   finishedAt: Self.base.addingTimeInterval(Double(minute) * 60 + 5))
    }

    /// A finished run recording `orders` without alert rules.
    @discardableResult
    func record(_ orders: [UnpaidOrder], shaSeed: Int, minute: Int) async throws -> SnapshotRecord {
        let run = try await startRun(minute: minute)
        let snapshot = Self.snapshot(run: run, shaSeed: shaSeed, minute: minute)
        let record = try await ledger.recordSnapshot(snapshot, orders: try SortedOrders.of(orders, for: snapshot))
        try await finish(run, minute: minute)
        return record
    }

    /// A finished run recording `orders` through the alerting path.
    @discardableResult
    func recordAlerting(_ orders: [UnpaidOrder], shaSeed: Int, minute: Int,
                        alerting: (AlertingInput) throws -> AlertingPlan = { _ in .nothing(at: 0) })
        async throws -> AlertedSnapshot {
        let run = try await startRun(minute: minute)
        let snapshot = Self.snapshot(run: run, shaSeed: shaSeed, minute: minute)
        let result = try await ledger.recordSnapshot(
            snapshot, orders: try SortedOrders.of(orders, for: snapshot, highlighting: Self.highlights), alerting: alerting)
        try await finish(run, minute: minute)
        return result
    }
}

/// An unpaid order of organization 42 by default.
func unpaid(_ number: String, _ amount: String, currency: String = "USD", organizationID: Int64 = 42,
            product: String? = "uhost", resource: String? = nil, startTime: Int64? = 1_791_000_000) -> UnpaidOrder {
    UnpaidOrder(orderNo: number, organizationID: organizationID, currency: currency, totalPrice: try! Money(amount),
                startTime: startTime, productCode: product, resourceID: resource ?? "uhost-\(number)", modelID: nil)
}

extension Array where Element == UnpaidOrder {
    /// The orders as the ledger lists them: by order number in byte order.
    var inKeyOrder: [UnpaidOrder] { sorted { $0.orderNo.utf8.lexicographicallyPrecedes($1.orderNo.utf8) } }
}
