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
        let fetchedAt = try fetchTimes(seriesID: seriesID, in: db)
        func event(_ kind: OrderEvent.Kind, at snapshot: Int64, _ row: Row, previous: Row? = nil) throws -> OrderEvent {
            OrderEvent(kind: kind, snapshotID: SnapshotID(rawValue: snapshot), fetchedAt: fetchedAt[snapshot] ?? Date(),
                       currency: row["currency"], amount: try amount(row, orderNo: orderNo),
                       previousCurrency: previous?["currency"],
                       previousAmount: try previous.map { try amount($0, orderNo: orderNo) })
        }
        var events: [OrderEvent] = []
        for (index, row) in intervals.enumerated() {
            let first: Int64 = row["first_snapshot_id"], closedBy: Int64 = row["closed_by_snapshot_id"]
            if index == 0 {
                events.append(try event(.firstSeen, at: first, row))
            } else if intervals[index - 1]["closed_by_snapshot_id"] as Int64 == first {
                events.append(try event(.changed, at: first, row, previous: intervals[index - 1]))
            } else {
                events.append(try event(.reappeared, at: first, row))
            }
            let continues = index + 1 < intervals.count && intervals[index + 1]["first_snapshot_id"] as Int64 == closedBy
            if closedBy != OrderIntervalWriter.open, !continues {
                events.append(try event(.gone, at: closedBy, row))
            }
        }
        let stillOpen = intervals.last!["closed_by_snapshot_id"] as Int64 == OrderIntervalWriter.open
        return OrderTimeline(job: intervals[0]["job"], organizationID: intervals[0]["organization_id"], events: events,
                             stillUnpaidAt: stillOpen ? fetchedAt.keys.max().map(SnapshotID.init(rawValue:)) : nil)
    }

    private static func amount(_ row: Row, orderNo: String) throws -> Money {
        let text: String = row["amount_text"]
        guard let money = try? Money(text) else {
            throw AuditError.unreadableAmount(orderNo: orderNo, snapshot: SnapshotID(rawValue: row["first_snapshot_id"]),
                                              text: text)
        }
        return money
    }
}
