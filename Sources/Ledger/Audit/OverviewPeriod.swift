import Foundation
import UnpaidCore

/// What the overviews of a period ask of a ledger, and how the answers are put together:
/// the same for every backend, which only fetches the parts.
package struct OverviewPeriod {
    package let since: Date
    package let asOf: Date
    /// When each series' opening snapshot (the latest at or before `since`) was fetched.
    private let openings: [SeriesKey: Date]

    private struct SeriesKey: Hashable {
        var organizationID: Int64
        var job: String
    }

    /// - Parameter openings: the latest snapshot of each series at or before `since`.
    package init(since: Date, asOf: Date, openings: [SnapshotRecord]) {
        self.since = since
        self.asOf = asOf
        self.openings = Dictionary(uniqueKeysWithValues: openings.map {
            (SeriesKey(organizationID: $0.organizationID, job: $0.job), $0.fetchedAt)
        })
    }

    /// The history read starts at the earliest opening, so each series' opening shows.
    package var historySince: Date { openings.values.min().map { min($0, since) } ?? since }
    /// Up to the end of asOf's second, as the snapshots at or before it are chosen.
    package var historyUntil: Date { Instant.date(Instant.endOfSecond(asOf) + 1) }
    package var rollForwardFrom: Date { min(since, asOf) }

    /// One overview per latest snapshot, in its order, from the history and aging of every
    /// series and the roll-forward and largest orders of each latest snapshot (same order).
    package func overviews(latest: [SnapshotRecord], history: [HistoryLine], aging: [AgingLine],
                           rollForwards: [RollForward], largestOrders: [[String: [UnpaidOrder]]]) -> [SeriesOverview] {
        let history = Dictionary(grouping: history) { SeriesKey(organizationID: $0.organizationID, job: $0.job) }
        let aging = Dictionary(grouping: aging) { SeriesKey(organizationID: $0.organizationID, job: $0.job) }
        return latest.indices.map { index in
            let snapshot = latest[index]
            let key = SeriesKey(organizationID: snapshot.organizationID, job: snapshot.job)
            let opening = openings[key] ?? since
            return SeriesOverview(job: snapshot.job, organizationID: snapshot.organizationID,
                                  history: (history[key] ?? []).filter { $0.fetchedAt >= opening },
                                  aging: aging[key] ?? [], rollForward: rollForwards[index],
                                  largestOrders: largestOrders[index])
        }
    }
}
