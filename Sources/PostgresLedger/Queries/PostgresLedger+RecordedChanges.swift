import Foundation
import Ledger
import PostgresNIO
import UnpaidCore

extension PostgresLedger {
    /// The changes recorded between consecutive snapshots of a series, oldest first, each
    /// with the orders behind it; one call of `body` per snapshot and currency. `since` is
    /// inclusive, `until` exclusive, on the fetch time.
    ///
    /// One query streams every change with its orders (a change without orders is one row
    /// with NULL order columns), grouped as they come: one change is held at a time.
    public func recordedChanges(organizationID: Int64?, job: String?, since: Date?, until: Date?,
                                _ body: (RecordedChange) throws -> Void) async throws {
        guard PostgresText.canStore(job) else { return }
        let since = since.map(Instant.milliseconds), until = until.map(Instant.milliseconds)
        try await consistentRead { connection in
            let rows = try await connection.query("""
                SELECT c.snapshot_id, c.currency, c.before_count, c.before_sum_text, c.after_count, c.after_sum_text,
                       c.delta_text, d.previous_snapshot_id, s.fetched_at_ms, series.job, series.organization_id,
                       o.order_no, o.change, o.before_amount_text, o.after_amount_text
                FROM snapshot_change c
                JOIN snapshot_diff d ON d.snapshot_id = c.snapshot_id
                JOIN snapshot s ON s.id = c.snapshot_id
                JOIN series ON series.id = s.series_id
                LEFT JOIN snapshot_change_order o ON o.snapshot_id = c.snapshot_id AND o.currency = c.currency
                WHERE (\(organizationID)::bigint IS NULL OR series.organization_id = \(organizationID))
                  AND (\(job)::text IS NULL OR series.job = \(job))
                  AND (\(since)::bigint IS NULL OR s.fetched_at_ms >= \(since))
                  AND (\(until)::bigint IS NULL OR s.fetched_at_ms < \(until))
                ORDER BY s.fetched_at_ms, s.id, c.currency, o.order_no
                """, logger: logger)
            var pending: RecordedChange?
            for try await row in rows {
                let row = row.makeRandomAccess()
                let snapshot = SnapshotID(rawValue: try row.value("snapshot_id"))
                let currency: String = try row.value("currency")
                if let change = pending, change.snapshotID != snapshot || change.currency != currency {
                    try body(change)
                    pending = nil
                }
                if pending == nil { pending = try Self.recordedChange(row, snapshot: snapshot, currency: currency) }
                if let orderNo = try row.value("order_no", as: String?.self) {
                    pending!.orders.append(try Self.recordedOrderChange(row, orderNo: orderNo, snapshot: snapshot))
                }
            }
            if let change = pending { try body(change) }
        }
    }

    private static func recordedChange(_ row: PostgresRandomAccessRow, snapshot: SnapshotID,
                                       currency: String) throws -> RecordedChange {
        let total = "total of \(currency)"
        return RecordedChange(
            snapshotID: snapshot, previousSnapshotID: SnapshotID(rawValue: try row.value("previous_snapshot_id")),
            fetchedAt: Instant.date(try row.value("fetched_at_ms")), job: try row.value("job"),
            organizationID: try row.value("organization_id"), currency: currency,
            before: Total(count: Int(try row.value("before_count", as: Int64.self)),
                          sum: try money(row, "before_sum_text", orderNo: total, snapshot: snapshot)!),
            after: Total(count: Int(try row.value("after_count", as: Int64.self)),
                         sum: try money(row, "after_sum_text", orderNo: total, snapshot: snapshot)!),
            delta: try money(row, "delta_text", orderNo: total, snapshot: snapshot)!, orders: [])
    }

    private static func recordedOrderChange(_ row: PostgresRandomAccessRow, orderNo: String,
                                            snapshot: SnapshotID) throws -> RecordedOrderChange {
        RecordedOrderChange(
            orderNo: orderNo, kind: RecordedOrderChange.Kind(rawValue: try row.value("change")) ?? .changed,
            before: try money(row, "before_amount_text", orderNo: orderNo, snapshot: snapshot),
            after: try money(row, "after_amount_text", orderNo: orderNo, snapshot: snapshot))
    }

    /// The amount in `column`; nil for NULL. `orderNo` names the order (or total) in the error.
    private static func money(_ row: PostgresRandomAccessRow, _ column: String, orderNo: String,
                              snapshot: SnapshotID) throws -> Money? {
        guard let text = try row.value(column, as: String?.self) else { return nil }
        guard let money = try? Money(text) else {
            throw AuditError.unreadableAmount(orderNo: orderNo, snapshot: snapshot, text: text)
        }
        return money
    }
}
