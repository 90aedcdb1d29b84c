import Foundation
import GRDB
import Ledger
import UnpaidCore

extension SQLiteLedger {
    /// The latest snapshot of each series (job and organization) fetched at or before
    /// `date`, by organization then job; only `organizationID` and `job` when given.
    /// "At or before" takes the whole second of `date`, as times are shown to the second.
    public func snapshots(asOf date: Date, organizationID: Int64? = nil, job: String? = nil) throws -> [SnapshotRecord] {
        try pool.read { db in
            try Self.snapshotIDs(asOf: date, organizationID: organizationID, job: job, in: db).map { id in
                try Self.snapshots(where: "s.id = ?", arguments: [id], in: db)[0]
            }
        }
    }

    /// Streams the unpaid orders of snapshot `id` to `body`, by order number, then checks
    /// that they add up, per currency, to the snapshot's recorded totals.
    ///
    /// Everything is read in one read transaction, so a snapshot recorded meanwhile
    /// changes nothing. Ages are counted at `ageAt` (default: when the snapshot was fetched).
    ///
    /// ```swift
    /// let record = try ledger.auditOrders(at: id) { order in writer.writeRow(report.cells(order)) }
    /// ```
    /// - Returns: the snapshot, whose `totals` the orders matched.
    /// - Throws: `LedgerError.unknownSnapshot`; `AuditError.ordersDisagreeWithTotals` when
    ///   the orders do not add up (after every order went to `body`); what `body` throws.
    @discardableResult
    public func auditOrders(at id: SnapshotID, ageAt moment: Date? = nil,
                            _ body: (AuditOrder) throws -> Void) throws -> SnapshotRecord {
        try auditOrderRows(at: id, ageAt: moment) { try body($0.listed) }
    }

    /// `auditOrders` without a copy of each order: `body` reads the database's bytes in
    /// place, valid only during the call. For listings of a million orders.
    @discardableResult
    public func auditOrderRows(at id: SnapshotID, ageAt moment: Date? = nil,
                               _ body: (AuditOrderRow) throws -> Void) throws -> SnapshotRecord {
        try pool.read { db in
            guard let record = try Self.snapshots(where: "s.id = ?", arguments: [id.rawValue], in: db).first else {
                throw LedgerError.unknownSnapshot(id)
            }
            let seriesID = try Self.seriesID(of: id, in: db)
            var fetchedAt = FetchTimes(try Self.fetchTimes(seriesID: seriesID, in: db))
            let momentSeconds = Int64((moment ?? record.fetchedAt).timeIntervalSince1970.rounded(.down))
            let rows = try RawStatement(db.makeStatement(sql: Self.listedSQL(seriesID: seriesID, snapshot: id, in: db)), in: db)
            rows.bind(seriesID, at: 1)
            rows.bind(id.rawValue, at: 2)
            var earlier = try EarlierIntervals(seriesID: seriesID, before: id, in: db)
            var listed = CurrencyTotals()
            while try rows.step() {
                let orderNo = rows.text(at: 0), currency = rows.text(at: 1)
                guard let amount = Money(decimalBytes: rows.text(at: 2)) else {
                    throw AuditError.unreadableAmount(orderNo: String(decoding: orderNo, as: UTF8.self), snapshot: id,
                                                      text: String(decoding: rows.text(at: 2), as: UTF8.self))
                }
                let startTime = rows.int64OrNil(at: 3)
                var firstSeen = rows.int64OrNil(at: 7) ?? id.rawValue
                if let before = try earlier.firstSnapshot(of: orderNo) { firstSeen = min(firstSeen, before) }
                listed.add(amount, currency: currency)
                try body(AuditOrderRow(
                    snapshotID: id, job: record.job, organizationID: record.organizationID, orderNo: orderNo,
                    currency: currency, amount: amount, startTime: startTime, productCode: rows.optionalText(at: 4),
                    resourceID: rows.optionalText(at: 5), modelID: rows.optionalText(at: 6),
                    firstSeenSnapshotID: SnapshotID(rawValue: firstSeen),
                    firstSeenAt: fetchedAt.of(firstSeen) ?? record.fetchedAt,
                    ageDays: startTime.map { AuditDays.between(start: $0, moment: momentSeconds) }))
            }
            try record.checkListedTotals(listed.byCurrency)
            return record
        }
    }

    /// The orders listed at `snapshot`, by order number. When no later snapshot closed
    /// an interval, they are exactly the open intervals, which the primary key already
    /// holds in order-number order: no sort of a million rows.
    private static func listedSQL(seriesID: Int64, snapshot: SnapshotID, in db: Database) throws -> String {
        let columns = "order_no, currency, amount_text, start_time, product_code, resource_id, model_id, first_snapshot_id"
        let closedLater = try Bool.fetchOne(db, sql: """
            SELECT EXISTS (SELECT 1 FROM order_interval WHERE series_id = ? AND closed_by_snapshot_id > ?
                           AND closed_by_snapshot_id < \(Int64.max))
            """, arguments: [seriesID, snapshot.rawValue]) ?? true
        return closedLater
            ? """
              SELECT \(columns) FROM order_interval
              WHERE series_id = ?1 AND closed_by_snapshot_id > ?2 AND first_snapshot_id <= ?2 ORDER BY order_no
              """
            : """
              SELECT \(columns) FROM order_interval
              WHERE series_id = ?1 AND closed_by_snapshot_id = \(Int64.max) AND first_snapshot_id <= ?2
              ORDER BY order_no
              """
    }

    static func snapshotIDs(asOf date: Date, organizationID: Int64?, job: String?, in db: Database) throws -> [Int64] {
        try Int64.fetchAll(db, sql: """
            SELECT (SELECT s.id FROM snapshot s WHERE s.series_id = series.id AND s.fetched_at_ms <= ?1
                    ORDER BY s.fetched_at_ms DESC, s.id DESC LIMIT 1) AS latest
            FROM series
            WHERE (?2 IS NULL OR organization_id = ?2) AND (?3 IS NULL OR job = ?3) AND latest IS NOT NULL
            ORDER BY organization_id, job
            """, arguments: [Instant.endOfSecond(date), organizationID, job])
    }

    static func seriesID(of snapshot: SnapshotID, in db: Database) throws -> Int64 {
        guard let id = try Int64.fetchOne(db, sql: "SELECT series_id FROM snapshot WHERE id = ?",
                                          arguments: [snapshot.rawValue]) else {
            throw LedgerError.unknownSnapshot(snapshot)
        }
        return id
    }

    /// When each snapshot of the series was fetched: a series has one per run, a few thousand at most.
    static func fetchTimes(seriesID: Int64, in db: Database) throws -> [Int64: Date] {
        var times: [Int64: Date] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT id, fetched_at_ms FROM snapshot WHERE series_id = ?",
                                    arguments: [seriesID]) {
            times[row[0]] = Instant.date(row[1])
        }
        return times
    }
}

/// The intervals of a series closed at or before a snapshot, by order number, each
/// order's earliest first snapshot: where an order listed now was first seen, found by
/// walking them beside the listing (both in order-number order) instead of joining.
private struct EarlierIntervals {
    private let rows: RawStatement
    private var hasRow: Bool

    init(seriesID: Int64, before snapshot: SnapshotID, in db: Database) throws {
        rows = RawStatement(try db.makeStatement(sql: """
            SELECT order_no, min(first_snapshot_id) FROM order_interval
            WHERE series_id = ?1 AND closed_by_snapshot_id <= ?2 GROUP BY order_no ORDER BY order_no
            """), in: db)
        rows.bind(seriesID, at: 1)
        rows.bind(snapshot.rawValue, at: 2)
        hasRow = try rows.step()
    }

    /// The earliest first snapshot of `orderNo`'s earlier intervals; the calls must come
    /// in order-number order.
    mutating func firstSnapshot(of orderNo: UnsafeBufferPointer<UInt8>) throws -> Int64? {
        while hasRow {
            let order = binaryCollationOrder(rows.text(at: 0), orderNo)
            if order > 0 { return nil }
            if order == 0 { return rows.int64OrNil(at: 1) }
            hasRow = try rows.step()
        }
        return nil
    }
}

/// When each snapshot of a series was fetched, asked once per listed order: most orders
/// were first seen in the same snapshot as the one before, which is answered without hashing.
private struct FetchTimes {
    private let times: [Int64: Date]
    private var last: (id: Int64, date: Date?)?

    init(_ times: [Int64: Date]) { self.times = times }

    mutating func of(_ id: Int64) -> Date? {
        if let last, last.id == id { return last.date }
        let date = times[id]
        last = (id, date)
        return date
    }
}
