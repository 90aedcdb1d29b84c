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
            var lines: [AgingLine] = []
            for id in try Self.snapshotIDs(asOf: asOf, organizationID: organizationID, job: job, in: db) {
                let record = try Self.snapshots(where: "s.id = ?", arguments: [id], in: db)[0]
                lines += try Self.aging(of: record, seriesID: Self.seriesID(of: record.id, in: db), asOf: asOf,
                                        buckets: buckets, in: db)
            }
            return lines
        }
    }

    private static func aging(of record: SnapshotRecord, seriesID: Int64, asOf: Date, buckets: AgingBuckets,
                              in db: Database) throws -> [AgingLine] {
        let rows = try RawStatement(db.makeStatement(sql: """
            SELECT currency, amount_text, start_time, order_no FROM order_interval
            WHERE series_id = ?1 AND closed_by_snapshot_id > ?2 AND first_snapshot_id <= ?2
            """), in: db)
        rows.bind(seriesID, at: 1)
        rows.bind(record.id.rawValue, at: 2)
        var tally = AgingTally(of: record, asOf: asOf, buckets: buckets)
        while try rows.step() {
            guard let amount = Money(decimalBytes: rows.text(at: 1)) else {
                throw AuditError.unreadableAmount(orderNo: String(decoding: rows.text(at: 3), as: UTF8.self),
                                                  snapshot: record.id,
                                                  text: String(decoding: rows.text(at: 1), as: UTF8.self))
            }
            tally.add(amount, currency: String(decoding: rows.text(at: 0), as: UTF8.self), startTime: rows.int64OrNil(at: 2))
        }
        return try tally.lines()
    }
}
