import Foundation
import UnpaidCore

/// The intervals of one order number in one series, by first snapshot (the key keeps them
/// from overlapping), told as the order's story.
package struct OrderTimelineIntervals {
    /// One stored interval: listed unchanged from `firstSnapshotID` until `closedBySnapshotID`.
    package struct Interval {
        package var firstSnapshotID: Int64
        /// `Int64.max` while still open.
        package var closedBySnapshotID: Int64
        package var currency: String
        package var amountText: String

        package init(firstSnapshotID: Int64, closedBySnapshotID: Int64, currency: String, amountText: String) {
            self.firstSnapshotID = firstSnapshotID
            self.closedBySnapshotID = closedBySnapshotID
            self.currency = currency
            self.amountText = amountText
        }
    }

    package let orderNo: String
    package let job: String
    package let organizationID: Int64
    package let intervals: [Interval]

    /// - Parameter intervals: at least one, by first snapshot.
    package init(orderNo: String, job: String, organizationID: Int64, intervals: [Interval]) {
        self.orderNo = orderNo
        self.job = job
        self.organizationID = organizationID
        self.intervals = intervals
    }

    /// - Parameter fetchedAt: when each snapshot of the series was fetched.
    /// - Throws: `AuditError.unreadableAmount` for an amount that is not a decimal number.
    package func timeline(fetchedAt: [Int64: Date]) throws(AuditError) -> OrderTimeline {
        func event(_ kind: OrderEvent.Kind, at snapshot: Int64, _ interval: Interval,
                   previous: Interval? = nil) throws(AuditError) -> OrderEvent {
            OrderEvent(kind: kind, snapshotID: SnapshotID(rawValue: snapshot), fetchedAt: fetchedAt[snapshot] ?? Date(),
                       currency: interval.currency, amount: try amount(interval), previousCurrency: previous?.currency,
                       previousAmount: try previous.map { (interval) throws(AuditError) in try amount(interval) })
        }
        var events: [OrderEvent] = []
        for (index, interval) in intervals.enumerated() {
            let first = interval.firstSnapshotID, closedBy = interval.closedBySnapshotID
            if index == 0 {
                events.append(try event(.firstSeen, at: first, interval))
            } else if intervals[index - 1].closedBySnapshotID == first {
                events.append(try event(.changed, at: first, interval, previous: intervals[index - 1]))
            } else {
                events.append(try event(.reappeared, at: first, interval))
            }
            let continues = index + 1 < intervals.count && intervals[index + 1].firstSnapshotID == closedBy
            if closedBy != Int64.max, !continues {
                events.append(try event(.gone, at: closedBy, interval))
            }
        }
        let stillOpen = intervals.last!.closedBySnapshotID == Int64.max
        return OrderTimeline(job: job, organizationID: organizationID, events: events,
                             stillUnpaidAt: stillOpen ? fetchedAt.keys.max().map(SnapshotID.init(rawValue:)) : nil)
    }

    private func amount(_ interval: Interval) throws(AuditError) -> Money {
        guard let money = try? Money(interval.amountText) else {
            throw AuditError.unreadableAmount(orderNo: orderNo, snapshot: SnapshotID(rawValue: interval.firstSnapshotID),
                                              text: interval.amountText)
        }
        return money
    }
}
