import Foundation
import Ledger
import UnpaidCore

extension SQLiteLedger {
    /// One overview per series with a snapshot at or before `asOf`, by organization then job.
    /// - Parameter since: the period's start: the roll-forward opens at the latest snapshot
    ///   at or before it, and the history starts there.
    public func overviews(organizationID: Int64? = nil, since: Date, asOf: Date, buckets: AgingBuckets,
                          largest: Int = 10) throws -> [SeriesOverview] {
        let latest = try snapshots(asOf: asOf, organizationID: organizationID)
        let period = OverviewPeriod(since: since, asOf: asOf, openings: try snapshots(asOf: since, organizationID: organizationID))
        return period.overviews(
            latest: latest,
            history: try history(organizationID: organizationID, since: period.historySince, until: period.historyUntil),
            aging: try aging(organizationID: organizationID, asOf: asOf, buckets: buckets),
            rollForwards: try latest.map { snapshot in
                try rollForward(organizationID: snapshot.organizationID, job: snapshot.job, from: period.rollForwardFrom,
                                to: asOf)
            },
            largestOrders: try latest.map { try largestOrders(at: $0.id, limit: largest) })
    }

    /// The `limit` largest orders of a snapshot per currency, largest first (ties by order number).
    public func largestOrders(at id: SnapshotID, limit: Int) throws -> [String: [UnpaidOrder]] {
        var largest = LargestOrders(limit: limit)
        try auditOrders(at: id) { largest.consider($0.order) }
        return largest.byCurrency
    }
}
