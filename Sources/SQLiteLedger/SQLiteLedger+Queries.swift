import Foundation
import GRDB
import Ledger
import UnpaidCore

extension SQLiteLedger {
    public func latestSnapshot(job: String, organizationID: Int64) throws -> SnapshotRecord? {
        try pool.read { db in
            guard let seriesID = try Int64.fetchOne(
                db, sql: "SELECT id FROM series WHERE job = ? AND organization_id = ?",
                arguments: [job, organizationID]) else { return nil }
            return try Self.latestSnapshot(seriesID: seriesID, in: db)
        }
    }

    /// The snapshot recorded just before `id` for the same job and organization.
    public func previousSnapshot(before id: SnapshotID) throws -> SnapshotRecord? {
        try pool.read { db in
            guard let seriesID = try Int64.fetchOne(
                db, sql: "SELECT series_id FROM snapshot WHERE id = ?", arguments: [id.rawValue]) else {
                throw LedgerError.unknownSnapshot(id)
            }
            return try Self.snapshots(where: "s.series_id = ? AND s.id < ? ORDER BY s.id DESC LIMIT 1",
                                      arguments: [seriesID, id.rawValue], in: db).first
        }
    }

    public func snapshot(_ id: SnapshotID) throws -> SnapshotRecord {
        try pool.read { db in
            guard let record = try Self.snapshots(where: "s.id = ?", arguments: [id.rawValue], in: db).first else {
                throw LedgerError.unknownSnapshot(id)
            }
            return record
        }
    }

    /// The unpaid orders as they were in snapshot `id`, ordered by order number.
    public func orders(at id: SnapshotID) throws -> [UnpaidOrder] {
        try pool.read { db in
            guard let series = try Row.fetchOne(db, sql: """
                SELECT series.id, series.organization_id FROM snapshot JOIN series ON series.id = snapshot.series_id
                WHERE snapshot.id = ?
                """, arguments: [id.rawValue]) else { throw LedgerError.unknownSnapshot(id) }
            let organizationID: Int64 = series[1]
            let rows = try Row.fetchCursor(db, sql: """
                SELECT first_snapshot_id, order_no, currency, amount_text, start_time, product_code,
                       resource_id, model_id
                FROM order_interval
                WHERE series_id = ?1 AND closed_by_snapshot_id > ?2 AND first_snapshot_id <= ?2
                ORDER BY order_no
                """, arguments: [series[0] as Int64, id.rawValue])
            var orders: [UnpaidOrder] = []
            while let row = try rows.next() {
                let amountText: String = row[3]
                guard let amount = try? Money(amountText) else {
                    let orderNo: String = row[1]
                    throw LedgerError.corruptValue(table: "order_interval of order \(orderNo) from snapshot",
                                                   rowID: row[0], column: "amount_text", value: amountText)
                }
                orders.append(UnpaidOrder(orderNo: row[1], organizationID: organizationID, currency: row[2],
                                          totalPrice: amount, startTime: row[4], productCode: row[5],
                                          resourceID: row[6], modelID: row[7]))
            }
            return orders
        }
    }

    /// One line per snapshot and currency, oldest first. `since` is inclusive, `until`
    /// exclusive (on the fetch time); `limit` keeps the most recent lines.
    public func history(organizationID: Int64? = nil, job: String? = nil, since: Date? = nil,
                        until: Date? = nil, limit: Int? = nil) throws -> [HistoryLine] {
        try pool.read { db in
            let rows = try Row.fetchAll(db, sql: """
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
                    WHERE (?1 IS NULL OR series.organization_id = ?1) AND (?2 IS NULL OR series.job = ?2)
                      AND (?3 IS NULL OR s.fetched_at_ms >= ?3) AND (?4 IS NULL OR s.fetched_at_ms < ?4)
                    ORDER BY s.fetched_at_ms DESC, s.id DESC, t.currency DESC
                    LIMIT ?5
                ) ORDER BY fetched_at_ms, id, currency
                """, arguments: [organizationID, job, since.map(Instant.milliseconds),
                                 until.map(Instant.milliseconds), limit ?? -1])
            return try rows.map { row in
                let snapshotID: Int64 = row["id"]
                let sumText: String? = row["sum_text"]
                let total = try sumText.map { text in
                    guard let sum = try? Money(text) else {
                        throw LedgerError.corruptValue(table: "snapshot_total", rowID: snapshotID,
                                                       column: "sum_text", value: text)
                    }
                    return sum
                } ?? .zero
                let runStatusText: String = row["run_status"]
                guard let runStatus = RunStatus(rawValue: runStatusText) else {
                    throw LedgerError.corruptValue(table: "run", rowID: row["run_id"], column: "status",
                                                   value: runStatusText)
                }
                return HistoryLine(
                    fetchedAt: Instant.date(row["fetched_at_ms"]), job: row["job"],
                    organizationID: row["organization_id"],
                    window: try Self.window(row, snapshotID: snapshotID), periodLabel: row["period_label"],
                    currency: row["currency"], orderCount: row["order_count"] ?? 0, total: total,
                    snapshotID: SnapshotID(rawValue: snapshotID), runID: RunID(rawValue: row["run_id"]),
                    runStatus: runStatus,
                    reconciliation: (row["reconciliation"] as String?).flatMap(ReconciliationStatus.init(rawValue:)),
                    archiveRemovedAt: (row["removed_at_ms"] as Int64?).map(Instant.date))
            }
        }
    }

    static func latestSnapshot(seriesID: Int64, in db: Database) throws -> SnapshotRecord? {
        try snapshots(where: "s.series_id = ? ORDER BY s.id DESC LIMIT 1", arguments: [seriesID], in: db).first
    }

    static func snapshots(where condition: String, arguments: StatementArguments,
                                  in db: Database) throws -> [SnapshotRecord] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT s.*, series.job, series.organization_id FROM snapshot s
            JOIN series ON series.id = s.series_id WHERE
            """ + " " + condition, arguments: arguments)
        return try rows.map { row in
            let id: Int64 = row["id"]
            var totals: [String: Total] = [:]
            for total in try Row.fetchAll(db, sql: """
                SELECT currency, order_count, sum_text FROM snapshot_total WHERE snapshot_id = ?
                """, arguments: [id]) {
                let text: String = total["sum_text"]
                guard let sum = try? Money(text) else {
                    throw LedgerError.corruptValue(table: "snapshot_total", rowID: id, column: "sum_text", value: text)
                }
                totals[total["currency"]] = Total(count: total["order_count"], sum: sum)
            }
            return SnapshotRecord(
                id: SnapshotID(rawValue: id), runID: RunID(rawValue: row["run_id"]), job: row["job"],
                organizationID: row["organization_id"], window: try window(row, snapshotID: id),
                periodLabel: row["period_label"], fetchedAt: Instant.date(row["fetched_at_ms"]),
                fileName: row["file_name"], fileSize: row["file_size"], sha256: row["sha256"],
                archivePath: row["archive_path"], rowCount: row["row_count"], totals: totals,
                reconciliation: try reconciliation(of: SnapshotID(rawValue: id), in: db))
        }
    }

    private static func window(_ row: Row, snapshotID: Int64) throws -> BillingWindow {
        let start: Int64 = row["period_start"], end: Int64 = row["period_end"]
        guard let window = try? BillingWindow(start: start, end: end) else {
            throw LedgerError.corruptValue(table: "snapshot", rowID: snapshotID, column: "period_end",
                                           value: "\(end) (start \(start))")
        }
        return window
    }
}

extension SQLiteLedger {
    /// Whether a snapshot names `archivePath` as its file. No index serves it: it is asked
    /// only about the few files a crash left in flight.
    public func isRecorded(archivePath: String) throws -> Bool {
        try pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM snapshot WHERE archive_path = ?)",
                              arguments: [archivePath]) ?? false
        }
    }
}
