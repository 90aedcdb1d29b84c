import Foundation
import GRDB
import Ledger
import UnpaidCore

extension SQLiteLedger {
    /// The changes recorded between consecutive snapshots of a series (what alert rules
    /// evaluate), oldest first, each with the orders behind it; one call of `body` per
    /// snapshot and currency. `since` is inclusive, `until` exclusive, on the fetch time.
    public func recordedChanges(organizationID: Int64? = nil, job: String? = nil, since: Date? = nil,
                                until: Date? = nil, _ body: (RecordedChange) throws -> Void) throws {
        try pool.read { db in
            let changes = try Row.fetchCursor(db, sql: """
                SELECT c.*, d.previous_snapshot_id, s.fetched_at_ms, series.job, series.organization_id
                FROM snapshot_change c
                JOIN snapshot_diff d ON d.snapshot_id = c.snapshot_id
                JOIN snapshot s ON s.id = c.snapshot_id
                JOIN series ON series.id = s.series_id
                WHERE (?1 IS NULL OR series.organization_id = ?1) AND (?2 IS NULL OR series.job = ?2)
                  AND (?3 IS NULL OR s.fetched_at_ms >= ?3) AND (?4 IS NULL OR s.fetched_at_ms < ?4)
                ORDER BY s.fetched_at_ms, s.id, c.currency
                """, arguments: [organizationID, job, since.map(Instant.milliseconds), until.map(Instant.milliseconds)])
            let orders = try db.makeStatement(sql: """
                SELECT order_no, change, before_amount_text, after_amount_text FROM snapshot_change_order
                WHERE snapshot_id = ? AND currency = ? ORDER BY order_no
                """)
            while let row = try changes.next() {
                let snapshot = SnapshotID(rawValue: row["snapshot_id"])
                let currency: String = row["currency"]
                func money(_ text: String?, orderNo: String) throws -> Money? {
                    guard let text else { return nil }
                    guard let money = try? Money(text) else {
                        throw AuditError.unreadableAmount(orderNo: orderNo, snapshot: snapshot, text: text)
                    }
                    return money
                }
                let moved = try Row.fetchAll(orders, arguments: [snapshot.rawValue, currency]).map { order in
                    let orderNo: String = order["order_no"]
                    return RecordedOrderChange(
                        orderNo: orderNo, kind: RecordedOrderChange.Kind(rawValue: order["change"]) ?? .changed,
                        before: try money(order["before_amount_text"], orderNo: orderNo),
                        after: try money(order["after_amount_text"], orderNo: orderNo))
                }
                let total = "total of \(currency)"
                try body(RecordedChange(
                    snapshotID: snapshot, previousSnapshotID: SnapshotID(rawValue: row["previous_snapshot_id"]),
                    fetchedAt: Instant.date(row["fetched_at_ms"]), job: row["job"],
                    organizationID: row["organization_id"], currency: currency,
                    before: Total(count: row["before_count"], sum: try money(row["before_sum_text"], orderNo: total)!),
                    after: Total(count: row["after_count"], sum: try money(row["after_sum_text"], orderNo: total)!),
                    delta: try money(row["delta_text"], orderNo: total)!, orders: moved))
            }
        }
    }
}
