import Foundation
import GRDB
import Ledger
import UnpaidCore

extension SQLiteLedger {
    /// Unpaid amounts by billing start relative to `asOf`, from the latest snapshot of
    /// each series at or before `asOf`: one line per series and currency, by organization,
    /// job and currency. The buckets, "not yet started" and "no start time" add up to the
    /// snapshot's recorded total, which is checked.
    /// - Throws: `AuditError.agingDisagreesWithTotals` when they do not.
    public func aging(organizationID: Int64? = nil, job: String? = nil, asOf: Date,
                      buckets: AgingBuckets = .standard) throws -> [AgingLine] {
        try pool.read { db in
            let moment = Int64(asOf.timeIntervalSince1970.rounded(.down))
            var lines: [AgingLine] = []
            for id in try Self.snapshotIDs(asOf: asOf, organizationID: organizationID, job: job, in: db) {
                let record = try Self.snapshots(where: "s.id = ?", arguments: [id], in: db)[0]
                lines += try Self.aging(of: record, seriesID: Self.seriesID(of: record.id, in: db), moment: moment,
                                        buckets: buckets, in: db)
            }
            return lines
        }
    }

    private static func aging(of record: SnapshotRecord, seriesID: Int64, moment: Int64, buckets: AgingBuckets,
                              in db: Database) throws -> [AgingLine] {
        let rows = try RawStatement(db.makeStatement(sql: """
            SELECT currency, amount_text, start_time, order_no FROM order_interval
            WHERE series_id = ?1 AND closed_by_snapshot_id > ?2 AND first_snapshot_id <= ?2
            """), in: db)
        rows.bind(seriesID, at: 1)
        rows.bind(record.id.rawValue, at: 2)
        var byCurrency: [String: AgingLine] = [:]
        while try rows.step() {
            let currency = String(decoding: rows.text(at: 0), as: UTF8.self)
            guard let amount = Money(decimalBytes: rows.text(at: 1)) else {
                throw AuditError.unreadableAmount(orderNo: String(decoding: rows.text(at: 3), as: UTF8.self),
                                                  snapshot: record.id,
                                                  text: String(decoding: rows.text(at: 1), as: UTF8.self))
            }
            var line = byCurrency[currency] ?? AgingLine(
                organizationID: record.organizationID, job: record.job, snapshotID: record.id, currency: currency,
                buckets: Array(repeating: Total(), count: buckets.limits.count + 1), notYetStarted: Total(),
                noStartTime: Total(), total: record.totals[currency] ?? Total())
            if let start = rows.int64OrNil(at: 2) {
                let age = AuditDays.between(start: start, moment: moment)
                if age < 0 { line.notYetStarted.add(amount) } else { line.buckets[buckets.index(ofAge: age)].add(amount) }
            } else {
                line.noStartTime.add(amount)
            }
            byCurrency[currency] = line
        }
        for currency in Set(byCurrency.keys).union(record.totals.keys).sorted() {
            let recorded = record.totals[currency] ?? Total()
            let bucketed = byCurrency[currency]?.bucketedTotal ?? Total()
            guard recorded == bucketed else {
                throw AuditError.agingDisagreesWithTotals(snapshot: record.id, currency: currency,
                                                          recorded: recorded, bucketed: bucketed)
            }
        }
        return byCurrency.keys.sorted().map { byCurrency[$0]! }
    }
}

extension AgingLine {
    /// Every bucket added up, "not yet started" and "no start time" included.
    public var bucketedTotal: Total {
        (buckets + [notYetStarted, noStartTime]).reduce(into: Total()) { sum, bucket in
            sum.count += bucket.count
            sum.sum += bucket.sum
        }
    }
}
