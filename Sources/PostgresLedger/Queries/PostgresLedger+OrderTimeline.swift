import Foundation
import Ledger
import PostgresNIO
import UnpaidCore

extension PostgresLedger {
    /// The story of one order number in every series that listed it, by organization then
    /// job. No index holds the order number on its own: one scan of the order intervals.
    /// - Throws: `AuditError.unknownOrder` when no snapshot ever listed it.
    public func orderTimelines(orderNo: String) async throws -> [OrderTimeline] {
        // PostgreSQL cannot store a NUL, so no order number holds one.
        guard PostgresText.canStore(orderNo) else { throw AuditError.unknownOrder(orderNo: orderNo) }
        return try await consistentRead { connection in
            let rows = try await connection.query("""
                SELECT oi.series_id, series.job, series.organization_id, oi.first_snapshot_id, oi.closed_by_snapshot_id,
                       oi.currency, oi.amount_text
                FROM order_interval oi JOIN series ON series.id = oi.series_id
                WHERE oi.order_no = \(orderNo)
                ORDER BY series.organization_id, series.job, oi.first_snapshot_id
                """, logger: logger)
            var series: [(id: Int64, job: String, organizationID: Int64, intervals: [OrderTimelineIntervals.Interval])] = []
            for try await (seriesID, job, organizationID, first, closedBy, currency, amountText)
                in rows.decode((Int64, String, Int64, Int64, Int64, String, String).self) {
                if series.last?.id != seriesID { series.append((seriesID, job, organizationID, [])) }
                series[series.count - 1].intervals.append(OrderTimelineIntervals.Interval(
                    firstSnapshotID: first, closedBySnapshotID: closedBy, currency: currency, amountText: amountText))
            }
            guard !series.isEmpty else { throw AuditError.unknownOrder(orderNo: orderNo) }
            var timelines: [OrderTimeline] = []
            for one in series {
                let story = OrderTimelineIntervals(orderNo: orderNo, job: one.job, organizationID: one.organizationID,
                                                   intervals: one.intervals)
                timelines.append(try story.timeline(
                    fetchedAt: try await Self.fetchTimes(seriesID: one.id, on: connection, logger: logger)))
            }
            return timelines
        }
    }
}
