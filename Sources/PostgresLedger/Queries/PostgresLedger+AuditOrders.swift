import Foundation
import Ledger
import PostgresNIO
import UnpaidCore

extension PostgresLedger {
    /// Streams the unpaid orders of snapshot `id` to `body`, by order number (byte order),
    /// then checks that they add up, per currency, to the snapshot's recorded totals. One
    /// read-only transaction: a snapshot recorded meanwhile changes nothing. Ages are counted
    /// at `ageAt` (default: when the snapshot was fetched).
    /// - Throws: `LedgerError.unknownSnapshot`; `AuditError.ordersDisagreeWithTotals` when
    ///   the orders do not add up (after every order went to `body`); what `body` throws.
    @discardableResult
    public func auditOrders(at id: SnapshotID, ageAt moment: Date?,
                            _ body: (AuditOrder) throws -> Void) async throws -> SnapshotRecord {
        try await auditOrderRows(at: id, ageAt: moment) { try body($0.listed) }
    }

    /// `auditOrders` without a String per field: `body` reads the row's bytes in place,
    /// valid only during the call. The rows stream from the server as `body` takes them.
    @discardableResult
    public func auditOrderRows(at id: SnapshotID, ageAt moment: Date?,
                               _ body: (AuditOrderRow) throws -> Void) async throws -> SnapshotRecord {
        try await consistentRead { connection in
            try await Self.auditOrderRows(at: id, ageAt: moment, on: connection, logger: logger, body)
        }
    }

    /// The `limit` largest orders of a snapshot per currency, largest first (ties by order number).
    public func largestOrders(at id: SnapshotID, limit: Int) async throws -> [String: [UnpaidOrder]] {
        try await consistentRead { connection in
            try await Self.largestOrders(at: id, limit: limit, on: connection, logger: logger)
        }
    }

    static func largestOrders(at id: SnapshotID, limit: Int, on connection: PostgresConnection,
                              logger: Logger) async throws -> [String: [UnpaidOrder]] {
        var largest = LargestOrders(limit: limit)
        try await auditOrderRows(at: id, ageAt: nil, on: connection, logger: logger) { largest.consider($0.listed.order) }
        return largest.byCurrency
    }

    @discardableResult
    static func auditOrderRows(at id: SnapshotID, ageAt moment: Date?, on connection: PostgresConnection, logger: Logger,
                               _ body: (AuditOrderRow) throws -> Void) async throws -> SnapshotRecord {
        guard let record = try await snapshotRecord(id.rawValue, on: connection, logger: logger) else {
            throw LedgerError.unknownSnapshot(id)
        }
        let seriesID = try await seriesID(of: id, on: connection, logger: logger)
        let fetchedAt = try await fetchTimes(seriesID: seriesID, on: connection, logger: logger)
        let momentSeconds = Int64((moment ?? record.fetchedAt).timeIntervalSince1970.rounded(.down))
        let rows = try await connection.query(
            try await listedQuery(seriesID: seriesID, snapshot: id, on: connection, logger: logger), logger: logger)
        var listed = CurrencyTotals()
        var texts = PostgresRowTexts()
        for try await row in rows {
            // Columns: order_no, currency, amount_text, start_time, product_code, resource_id, model_id, first_seen.
            texts.removeAll()
            var startTime: Int64?, firstSeen = id.rawValue
            for cell in row {
                switch cell.columnIndex {
                case 3: startTime = try cell.decode(Int64?.self)
                case 7: firstSeen = try cell.decode(Int64?.self) ?? id.rawValue
                default: texts.append(cell.bytes)
                }
            }
            try texts.withTexts { text in
                let orderNo = text[0]!, currency = text[1]!, amountText = text[2]!
                guard let amount = Money(decimalBytes: amountText) else {
                    throw AuditError.unreadableAmount(orderNo: String(decoding: orderNo, as: UTF8.self), snapshot: id,
                                                      text: String(decoding: amountText, as: UTF8.self))
                }
                listed.add(amount, currency: currency)
                try body(AuditOrderRow(
                    snapshotID: id, job: record.job, organizationID: record.organizationID, orderNo: orderNo,
                    currency: currency, amount: amount, startTime: startTime, productCode: text[3], resourceID: text[4],
                    modelID: text[5], firstSeenSnapshotID: SnapshotID(rawValue: firstSeen),
                    firstSeenAt: fetchedAt[firstSeen] ?? record.fetchedAt,
                    ageDays: startTime.map { AuditDays.between(start: $0, moment: momentSeconds) }))
            }
        }
        try record.checkListedTotals(listed.byCurrency)
        return record
    }

    /// The orders listed at `snapshot` by order number, each with the earliest snapshot of
    /// the series that listed its number (an earlier interval may have closed, when it was
    /// paid and came back, or changed). When no later snapshot closed an interval, the
    /// listed orders are exactly the open intervals, which the primary key holds in
    /// order-number order: no sort of a million rows.
    private static func listedQuery(seriesID: Int64, snapshot: SnapshotID, on connection: PostgresConnection,
                                    logger: Logger) async throws -> PostgresQuery {
        let id = snapshot.rawValue, open = Int64.max
        let closedLater = try await rows("""
            SELECT EXISTS (SELECT 1 FROM order_interval WHERE series_id = \(seriesID) AND closed_by_snapshot_id > \(id)
                           AND closed_by_snapshot_id < \(open)) AS closed_later
            """, on: connection, logger: logger)[0].value("closed_later", as: Bool.self)
        var binds = PostgresBindings()
        binds.append(seriesID)
        binds.append(id)
        binds.append(open)
        let listed = closedLater ? "l.closed_by_snapshot_id > $2" : "l.closed_by_snapshot_id = $3"
        return PostgresQuery(unsafeSQL: """
            SELECT l.order_no, l.currency, l.amount_text, l.start_time, l.product_code, l.resource_id, l.model_id,
                   least(l.first_snapshot_id, e.first_seen) AS first_seen
            FROM order_interval l
            LEFT JOIN (SELECT order_no, min(first_snapshot_id) AS first_seen FROM order_interval
                       WHERE series_id = $1 AND closed_by_snapshot_id <= $2 GROUP BY order_no) e
                   ON e.order_no = l.order_no
            WHERE l.series_id = $1 AND l.first_snapshot_id <= $2 AND \(listed)
            ORDER BY l.order_no
            """, binds: binds)
    }
}
