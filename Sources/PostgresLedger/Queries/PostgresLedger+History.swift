import Foundation
import Ledger
import PostgresNIO
import UnpaidCore

extension PostgresLedger {
    /// The unpaid orders as they were in snapshot `id`, in order-number byte order.
    public func orders(at id: SnapshotID) async throws -> [UnpaidOrder] {
        try await consistentRead { connection in
            guard let series = try await Self.rows("""
                SELECT series.id, series.organization_id FROM snapshot JOIN series ON series.id = snapshot.series_id
                WHERE snapshot.id = \(id.rawValue)
                """, on: connection, logger: logger).first else { throw LedgerError.unknownSnapshot(id) }
            let organizationID: Int64 = try series.value("organization_id")
            var orders: [UnpaidOrder] = []
            let rows = try await connection.query("""
                SELECT first_snapshot_id, order_no, currency, amount_text, start_time, product_code, resource_id, model_id
                FROM order_interval
                WHERE series_id = \(try series.value("id", as: Int64.self))
                  AND closed_by_snapshot_id > \(id.rawValue) AND first_snapshot_id <= \(id.rawValue)
                ORDER BY order_no
                """, logger: logger)
            for try await (first, orderNo, currency, amountText, startTime, productCode, resourceID, modelID)
                in rows.decode((Int64, String, String, String, Int64?, String?, String?, String?).self) {
                guard let amount = try? Money(amountText) else {
                    throw LedgerError.corruptValue(table: "order_interval of order \(orderNo) from snapshot",
                                                   rowID: first, column: "amount_text", value: amountText)
                }
                orders.append(UnpaidOrder(orderNo: orderNo, organizationID: organizationID, currency: currency,
                                          totalPrice: amount, startTime: startTime, productCode: productCode,
                                          resourceID: resourceID, modelID: modelID))
            }
            return orders
        }
    }

    /// One line per snapshot and currency, oldest first; `since` inclusive, `until`
    /// exclusive on the fetch time; `limit` keeps the most recent lines.
    public func history(organizationID: Int64?, job: String?, since: Date?, until: Date?,
                        limit: Int?) async throws -> [HistoryLine] {
        try await read { connection in
            try await Self.history(organizationID: organizationID, job: job, since: since, until: until, limit: limit,
                                   on: connection, logger: logger)
        }
    }

    static func history(organizationID: Int64?, job: String?, since: Date?, until: Date?, limit: Int?,
                        on connection: PostgresConnection, logger: Logger) async throws -> [HistoryLine] {
        let since = since.map(Instant.milliseconds), until = until.map(Instant.milliseconds)
        // NULLS placement as SQLite's: a snapshot without totals has one line, currency NULL.
        return try await rows("""
            SELECT * FROM (
                SELECT s.id, s.run_id, s.fetched_at_ms, s.period_start, s.period_end, s.period_label,
                       series.job, series.organization_id, t.currency, t.order_count, t.sum_text,
                       r.status AS reconciliation, removal.removed_at_ms, run_row.status AS run_status
                FROM snapshot s
                JOIN series ON series.id = s.series_id
                JOIN run run_row ON run_row.id = s.run_id
                LEFT JOIN snapshot_total t ON t.snapshot_id = s.id
                LEFT JOIN snapshot_reconciliation r ON r.snapshot_id = s.id
                LEFT JOIN archive_removal removal ON removal.snapshot_id = s.id
                WHERE (\(organizationID)::bigint IS NULL OR series.organization_id = \(organizationID))
                  AND (\(job)::text IS NULL OR series.job = \(job))
                  AND (\(since)::bigint IS NULL OR s.fetched_at_ms >= \(since))
                  AND (\(until)::bigint IS NULL OR s.fetched_at_ms < \(until))
                ORDER BY s.fetched_at_ms DESC, s.id DESC, t.currency DESC NULLS LAST
                LIMIT \(limit)
            ) recent ORDER BY fetched_at_ms, id, currency NULLS FIRST
            """, on: connection, logger: logger).map { row in
            let snapshotID: Int64 = try row.value("id")
            let runStatusText: String = try row.value("run_status")
            guard let runStatus = RunStatus(rawValue: runStatusText) else {
                throw LedgerError.corruptValue(table: "run", rowID: try row.value("run_id"), column: "status",
                                               value: runStatusText)
            }
            return HistoryLine(
                fetchedAt: Instant.date(try row.value("fetched_at_ms")), job: try row.value("job"),
                organizationID: try row.value("organization_id"), window: try row.window(snapshotID: snapshotID),
                periodLabel: try row.value("period_label"), currency: try row.value("currency"),
                orderCount: try row.value("order_count", as: Int?.self) ?? 0,
                total: try row.optionalMoney("sum_text", table: "snapshot_total", rowID: snapshotID) ?? .zero,
                snapshotID: SnapshotID(rawValue: snapshotID), runID: RunID(rawValue: try row.value("run_id")),
                runStatus: runStatus,
                reconciliation: try row.value("reconciliation", as: String?.self).flatMap(ReconciliationStatus.init(rawValue:)),
                archiveRemovedAt: try row.value("removed_at_ms", as: Int64?.self).map(Instant.date))
        }
    }
}
