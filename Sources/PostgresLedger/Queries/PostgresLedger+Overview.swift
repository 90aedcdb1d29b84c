import Foundation
import Ledger
import PostgresNIO
import UnpaidCore

extension PostgresLedger {
    /// One overview per series with a snapshot at or before `asOf`, by organization then
    /// job, all read from one state of the ledger.
    /// - Parameter since: the period's start: the roll-forward opens at the latest snapshot
    ///   at or before it, and the history starts there.
    public func overviews(organizationID: Int64?, since: Date, asOf: Date, buckets: AgingBuckets,
                          largest: Int) async throws -> [SeriesOverview] {
        try await consistentRead { connection in
            func latestSnapshots(asOf date: Date) async throws -> [SnapshotRecord] {
                try await Self.snapshotRecords(Self.snapshotIDs(asOf: date, organizationID: organizationID, job: nil),
                                               on: connection, logger: logger)
            }
            let latest = try await latestSnapshots(asOf: asOf)
            let period = OverviewPeriod(since: since, asOf: asOf, openings: try await latestSnapshots(asOf: since))
            let history = try await Self.history(organizationID: organizationID, job: nil, since: period.historySince,
                                                 until: period.historyUntil, limit: nil, on: connection, logger: logger)
            let aging = try await Self.aging(organizationID: organizationID, job: nil, asOf: asOf, buckets: buckets,
                                             on: connection, logger: logger)
            var rollForwards: [RollForward] = []
            for snapshot in latest {
                rollForwards.append(try await Self.rollForward(
                    organizationID: snapshot.organizationID, job: snapshot.job, from: period.rollForwardFrom, to: asOf,
                    detail: false, on: connection, logger: logger))
            }
            var largestOrders: [[String: [UnpaidOrder]]] = []
            for snapshot in latest {
                largestOrders.append(try await Self.largestOrders(at: snapshot.id, limit: largest, on: connection,
                                                                  logger: logger))
            }
            return period.overviews(latest: latest, history: history, aging: aging, rollForwards: rollForwards,
                                    largestOrders: largestOrders)
        }
    }
}
