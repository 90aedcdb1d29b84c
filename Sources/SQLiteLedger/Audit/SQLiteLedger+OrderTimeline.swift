import Foundation
import GRDB
import Ledger
import UnpaidCore

extension SQLiteLedger {
    /// The story of one order number in every series that listed it, by organization then job.
    ///
    /// The order number is searched across the whole ledger (no index holds it on its own:
    /// one scan of the order intervals).
    /// - Throws: `AuditError.unknownOrder` when no snapshot ever listed it.
    public func orderTimelines(orderNo: String) throws -> [OrderTimeline] {
        try pool.read { db in
            let intervals = try Row.fetchAll(db, sql: """
                SELECT oi.series_id, oi.first_snapshot_id, oi.closed_by_snapshot_id, oi.currency, oi.amount_text,
                       series.job, series.organization_id
                FROM order_interval oi JOIN series ON series.id = oi.series_id
                WHERE oi.order_no = ?
                ORDER BY series.organization_id, series.job, oi.first_snapshot_id
                """, arguments: [orderNo])
            guard !intervals.isEmpty else { throw AuditError.unknownOrder(orderNo: orderNo) }
            var timelines: [OrderTimeline] = []
            var start = 0
            while start < intervals.count {
                let seriesID: Int64 = intervals[start]["series_id"]
                var end = start
                while end < intervals.count, intervals[end]["series_id"] as Int64 == seriesID { end += 1 }
                timelines.append(try Self.timeline(orderNo: orderNo, intervals: Array(intervals[start..<end]), in: db))
                start = end
            }
            return timelines
        }
    }

    /// Intervals of one series, by first snapshot: they never overlap (the key forbids it).
    private static func timeline(orderNo: String, intervals: [Row], in db: Database) throws -> OrderTimeline {
        let seriesID: Int64 = intervals[0]["series_id"]
        let story = OrderTimelineIntervals(
            orderNo: orderNo, job: intervals[0]["job"], organizationID: intervals[0]["organization_id"],
            intervals: intervals.map { row in
                OrderTimelineIntervals.Interval(firstSnapshotID: row["first_snapshot_id"],
                                                closedBySnapshotID: row["closed_by_snapshot_id"],
                                                currency: row["currency"], amountText: row["amount_text"])
            })
        return try story.timeline(fetchedAt: try fetchTimes(seriesID: seriesID, in: db))
    }
}
