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
        let openings = Dictionary(uniqueKeysWithValues: try snapshots(asOf: since, organizationID: organizationID)
            .map { ("\($0.organizationID) \($0.job)", $0.fetchedAt) })
        let firstFetch = openings.values.min().map { min($0, since) } ?? since
        var history: [String: [HistoryLine]] = [:]
        // Up to the end of asOf's second, as the snapshots at or before it are chosen.
        let until = Instant.date(Instant.endOfSecond(asOf) + 1)
        for line in try self.history(organizationID: organizationID, since: firstFetch, until: until) {
            history["\(line.organizationID) \(line.job)", default: []].append(line)
        }
        let aging = Dictionary(grouping: try self.aging(organizationID: organizationID, asOf: asOf, buckets: buckets)) {
            "\($0.organizationID) \($0.job)"
        }
        return try latest.map { snapshot in
            let key = "\(snapshot.organizationID) \(snapshot.job)"
            let opening = openings[key] ?? since
            return SeriesOverview(
                job: snapshot.job, organizationID: snapshot.organizationID,
                history: (history[key] ?? []).filter { $0.fetchedAt >= opening },
                aging: aging[key] ?? [],
                rollForward: try rollForward(organizationID: snapshot.organizationID, job: snapshot.job,
                                             from: min(since, asOf), to: asOf),
                largestOrders: try largestOrders(at: snapshot.id, limit: largest))
        }
    }

    /// The `limit` largest orders of a snapshot per currency, largest first (ties by order number).
    public func largestOrders(at id: SnapshotID, limit: Int) throws -> [String: [UnpaidOrder]] {
        var largest: [String: [UnpaidOrder]] = [:]
        func ranksBefore(_ a: UnpaidOrder, _ b: UnpaidOrder) -> Bool {
            a.totalPrice != b.totalPrice ? a.totalPrice > b.totalPrice : a.orderNo < b.orderNo
        }
        try auditOrders(at: id) { listed in
            var kept = largest[listed.order.currency] ?? []
            guard kept.count < limit || ranksBefore(listed.order, kept[kept.count - 1]) else { return }
            let position = kept.firstIndex { ranksBefore(listed.order, $0) } ?? kept.count
            kept.insert(listed.order, at: position)
            if kept.count > limit { kept.removeLast() }
            largest[listed.order.currency] = kept
        }
        return largest
    }
}
