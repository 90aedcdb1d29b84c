import Foundation
import GRDB
import UnpaidCore

extension Ledger {
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
        try pool.read { db in
            guard let record = try Self.snapshots(where: "s.id = ?", arguments: [id.rawValue], in: db).first else {
                throw LedgerError.unknownSnapshot(id)
            }
            let seriesID = try Self.seriesID(of: id, in: db)
            let fetchedAt = try Self.fetchTimes(seriesID: seriesID, in: db)
            let momentSeconds = Int64((moment ?? record.fetchedAt).timeIntervalSince1970.rounded(.down))
            let rows = try RawStatement(db.makeStatement(sql: """
                SELECT p.order_no, p.currency, p.amount_text, p.start_time, p.product_code, p.resource_id,
                       p.model_id, min(p.first_snapshot_id, coalesce(e.first_id, p.first_snapshot_id))
                FROM order_interval p
                LEFT JOIN (SELECT order_no, min(first_snapshot_id) AS first_id FROM order_interval
                           WHERE series_id = ?1 AND closed_by_snapshot_id <= ?2 GROUP BY order_no) e
                       ON e.order_no = p.order_no
                WHERE p.series_id = ?1 AND p.closed_by_snapshot_id > ?2 AND p.first_snapshot_id <= ?2
                ORDER BY p.order_no
                """), in: db)
            rows.bind(seriesID, at: 1)
            rows.bind(id.rawValue, at: 2)
            var listed: [String: Total] = [:]
            while try rows.step() {
                let orderNo = String(decoding: rows.text(at: 0), as: UTF8.self)
                let currency = String(decoding: rows.text(at: 1), as: UTF8.self)
                guard let amount = Money(decimalBytes: rows.text(at: 2)) else {
                    throw AuditError.unreadableAmount(orderNo: orderNo, snapshot: id,
                                                      text: String(decoding: rows.text(at: 2), as: UTF8.self))
                }
                let startTime = rows.int64OrNil(at: 3)
                let firstSeen = rows.int64OrNil(at: 7) ?? id.rawValue
                listed[currency, default: Total()].add(amount)
                try body(AuditOrder(
                    snapshotID: id, job: record.job,
                    order: UnpaidOrder(orderNo: orderNo, organizationID: record.organizationID, currency: currency,
                                       totalPrice: amount, startTime: startTime,
                                       productCode: rows.optionalText(at: 4).map { String(decoding: $0, as: UTF8.self) },
                                       resourceID: rows.optionalText(at: 5).map { String(decoding: $0, as: UTF8.self) },
                                       modelID: rows.optionalText(at: 6).map { String(decoding: $0, as: UTF8.self) }),
                    firstSeenSnapshotID: SnapshotID(rawValue: firstSeen),
                    firstSeenAt: fetchedAt[firstSeen] ?? record.fetchedAt,
                    ageDays: startTime.map { AuditDays.between(start: $0, moment: momentSeconds) }))
            }
            try Self.check(listed, against: record)
            return record
        }
    }

    /// Throws the first currency (in order) whose listed total differs from the recorded one.
    static func check(_ listed: [String: Total], against record: SnapshotRecord) throws {
        for currency in Set(listed.keys).union(record.totals.keys).sorted() {
            let recorded = record.totals[currency] ?? Total(), found = listed[currency] ?? Total()
            guard recorded == found else {
                throw AuditError.ordersDisagreeWithTotals(snapshot: record.id, currency: currency,
                                                          recorded: recorded, listed: found)
            }
        }
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

/// Ages in whole days of 24 hours, rounded down, so an order billed an hour ago is 0
/// days old and one billed an hour ahead is -1.
enum AuditDays {
    static func between(start: Int64, moment: Int64) -> Int64 {
        let seconds = moment - start
        return seconds >= 0 ? seconds / 86_400 : -((-seconds + 86_399) / 86_400)
    }
}
