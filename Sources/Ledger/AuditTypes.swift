import Foundation
import UnpaidCore

/// One unpaid order as a snapshot listed it, with where it was first seen in its series.
public struct AuditOrder: Sendable, Hashable {
    /// The snapshot that lists the order.
    public var snapshotID: SnapshotID
    public var job: String
    public var order: UnpaidOrder
    /// The earliest snapshot of the series that listed this order number.
    public var firstSeenSnapshotID: SnapshotID
    public var firstSeenAt: Date
    /// Whole days (24 hours) from the billing start to the moment asked about; nil
    /// without a billing start, negative when billing starts later.
    public var ageDays: Int64?

    package init(snapshotID: SnapshotID, job: String, order: UnpaidOrder, firstSeenSnapshotID: SnapshotID,
                 firstSeenAt: Date, ageDays: Int64? = nil) {
        self.snapshotID = snapshotID
        self.job = job
        self.order = order
        self.firstSeenSnapshotID = firstSeenSnapshotID
        self.firstSeenAt = firstSeenAt
        self.ageDays = ageDays
    }
}

/// What happened to one order number in one series (a job and an organization).
public struct OrderTimeline: Sendable, Hashable {
    public var job: String
    public var organizationID: Int64
    /// Oldest first.
    public var events: [OrderEvent]
    /// The latest snapshot of the series, when it still lists the order.
    public var stillUnpaidAt: SnapshotID?

    package init(job: String, organizationID: Int64, events: [OrderEvent], stillUnpaidAt: SnapshotID? = nil) {
        self.job = job
        self.organizationID = organizationID
        self.events = events
        self.stillUnpaidAt = stillUnpaidAt
    }
}

public struct OrderEvent: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// The first snapshot of the series that listed the order.
        case firstSeen = "first-seen"
        /// Listed again after a snapshot that did not list it.
        case reappeared
        /// Listed with another amount, currency or other field than in the snapshot before.
        case changed
        /// The first snapshot that no longer listed it: paid or revoked.
        case gone
    }

    public var kind: Kind
    public var snapshotID: SnapshotID
    public var fetchedAt: Date
    /// The order as listed from this snapshot on; for `gone`, as last listed.
    public var currency: String
    public var amount: Money
    /// For `changed`: the currency and amount listed before.
    public var previousCurrency: String?
    public var previousAmount: Money?

    package init(kind: Kind, snapshotID: SnapshotID, fetchedAt: Date, currency: String, amount: Money,
                 previousCurrency: String? = nil, previousAmount: Money? = nil) {
        self.kind = kind
        self.snapshotID = snapshotID
        self.fetchedAt = fetchedAt
        self.currency = currency
        self.amount = amount
        self.previousCurrency = previousCurrency
        self.previousAmount = previousAmount
    }
}

/// The accounts-receivable roll-forward of one series between two snapshots: per
/// currency, opening + new − gone ± amount changes = closing.
public struct RollForward: Sendable, Hashable {
    public var job: String
    public var organizationID: Int64
    /// The latest snapshot at or before the start; nil when the series had none yet
    /// (everything then opens at zero).
    public var opening: SnapshotRecord?
    /// The latest snapshot at or before the end.
    public var closing: SnapshotRecord
    /// Sorted by currency.
    public var lines: [RollForwardLine]

    package init(job: String, organizationID: Int64, opening: SnapshotRecord? = nil, closing: SnapshotRecord,
                 lines: [RollForwardLine]) {
        self.job = job
        self.organizationID = organizationID
        self.opening = opening
        self.closing = closing
        self.lines = lines
    }
}

public struct RollForwardLine: Sendable, Hashable {
    public var currency: String
    /// The opening snapshot's recorded total.
    public var opening: Total
    /// Listed at the closing snapshot, not at the opening one (in this currency).
    public var new: Total
    /// Listed at the opening snapshot, not at the closing one (in this currency): paid or revoked.
    public var gone: Total
    /// Orders listed at both with different amounts: count, and the sum of after − before.
    public var amountChanges: Total
    /// The closing snapshot's recorded total.
    public var closing: Total
    /// The orders behind `new`, `gone` and `amountChanges`, when asked for; by order number.
    public var detail: [RollForwardOrder]?

    package init(currency: String, opening: Total, new: Total, gone: Total, amountChanges: Total, closing: Total,
                 detail: [RollForwardOrder]? = nil) {
        self.currency = currency
        self.opening = opening
        self.new = new
        self.gone = gone
        self.amountChanges = amountChanges
        self.closing = closing
        self.detail = detail
    }
}

public struct RollForwardOrder: Sendable, Hashable {
    public enum Movement: String, Sendable, Hashable { case new, gone, amountChange = "amount-change" }
    public var orderNo: String
    public var movement: Movement
    public var before: Money?
    public var after: Money?

    package init(orderNo: String, movement: Movement, before: Money? = nil, after: Money? = nil) {
        self.orderNo = orderNo
        self.movement = movement
        self.before = before
        self.after = after
    }
}

/// Age buckets in days: `[30, 60, 90]` makes 0–30, 31–60, 61–90 and over 90.
public struct AgingBuckets: Sendable, Hashable {
    public let limits: [Int]

    /// - Throws: `AuditError.invalidAgingBuckets` unless the limits are positive and increasing.
    public init(_ limits: [Int]) throws(AuditError) {
        guard !limits.isEmpty, limits[0] >= 0, zip(limits, limits.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw AuditError.invalidAgingBuckets(limits)
        }
        self.limits = limits
    }

    public static let standard = try! AgingBuckets([30, 60, 90])

    /// "0-30", "31-60", "61-90", "over 90".
    public var labels: [String] {
        var labels: [String] = []
        var low = 0
        for limit in limits {
            labels.append("\(low)-\(limit)")
            low = limit + 1
        }
        return labels + ["over \(limits.last!)"]
    }

    /// The bucket of an age in whole days (0 or more).
    public func index(ofAge days: Int64) -> Int {
        limits.firstIndex { days <= Int64($0) } ?? limits.count
    }
}

/// Unpaid orders of one series' snapshot and currency, by billing start relative to a date.
public struct AgingLine: Sendable, Hashable {
    public var organizationID: Int64
    public var job: String
    public var snapshotID: SnapshotID
    public var currency: String
    /// One per `AgingBuckets.labels`.
    public var buckets: [Total]
    /// Billing starts after the as-of date.
    public var notYetStarted: Total
    public var noStartTime: Total
    /// The snapshot's recorded total, which the buckets add up to.
    public var total: Total

    package init(organizationID: Int64, job: String, snapshotID: SnapshotID, currency: String, buckets: [Total],
                 notYetStarted: Total, noStartTime: Total, total: Total) {
        self.organizationID = organizationID
        self.job = job
        self.snapshotID = snapshotID
        self.currency = currency
        self.buckets = buckets
        self.notYetStarted = notYetStarted
        self.noStartTime = noStartTime
        self.total = total
    }
}

/// One currency's recorded change between a snapshot and the one before it in its series.
public struct RecordedChange: Sendable, Hashable {
    public var snapshotID: SnapshotID
    public var previousSnapshotID: SnapshotID
    public var fetchedAt: Date
    public var job: String
    public var organizationID: Int64
    public var currency: String
    public var before: Total
    public var after: Total
    public var delta: Money
    /// By order number.
    public var orders: [RecordedOrderChange]

    package init(snapshotID: SnapshotID, previousSnapshotID: SnapshotID, fetchedAt: Date, job: String,
                 organizationID: Int64, currency: String, before: Total, after: Total, delta: Money,
                 orders: [RecordedOrderChange]) {
        self.snapshotID = snapshotID
        self.previousSnapshotID = previousSnapshotID
        self.fetchedAt = fetchedAt
        self.job = job
        self.organizationID = organizationID
        self.currency = currency
        self.before = before
        self.after = after
        self.delta = delta
        self.orders = orders
    }
}

public struct RecordedOrderChange: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable { case new, gone, changed }
    public var orderNo: String
    public var kind: Kind
    public var before: Money?
    public var after: Money?

    package init(orderNo: String, kind: Kind, before: Money? = nil, after: Money? = nil) {
        self.orderNo = orderNo
        self.kind = kind
        self.before = before
        self.after = after
    }
}

/// What the HTML report shows of one series (job and organization).
public struct SeriesOverview: Sendable, Hashable {
    public var job: String
    public var organizationID: Int64
    /// Every snapshot since the start of the period (and the one before, the opening),
    /// per currency, oldest first.
    public var history: [HistoryLine]
    /// The latest snapshot's aging, per currency.
    public var aging: [AgingLine]
    /// From the period's opening to the latest snapshot.
    public var rollForward: RollForward
    /// The largest unpaid orders of the latest snapshot, per currency, largest first.
    public var largestOrders: [String: [UnpaidOrder]]

    package init(job: String, organizationID: Int64, history: [HistoryLine], aging: [AgingLine],
                 rollForward: RollForward, largestOrders: [String: [UnpaidOrder]]) {
        self.job = job
        self.organizationID = organizationID
        self.history = history
        self.aging = aging
        self.rollForward = rollForward
        self.largestOrders = largestOrders
    }
}
