/// One order as the diff reports it: its number and its amount in one currency.
public struct OrderAmount: Sendable, Hashable, Codable {
    public var orderNo: String
    public var amount: Money
    /// Billing start (Unix seconds) when the export has it.
    public var startTime: Int64?

    public init(orderNo: String, amount: Money, startTime: Int64? = nil) {
        self.orderNo = orderNo
        self.amount = amount
        self.startTime = startTime
    }
}

/// An order present in both snapshots whose amount is not the same.
public struct ChangedOrder: Sendable, Hashable, Codable {
    public var orderNo: String
    public var before: Money
    public var after: Money

    public init(orderNo: String, before: Money, after: Money) {
        self.orderNo = orderNo
        self.before = before
        self.after = after
    }

    public var delta: Money { after - before }
}

/// How one organization's total in one currency moved between two snapshots, and
/// which orders moved it: every moved order is counted, the largest few of each kind
/// are listed (`listedOrderLimit`), so a diff stays small whatever the file's size. The
/// ledger keeps every moved order in `snapshot_change_order`.
public struct CurrencyDiff: Sendable, Hashable {
    /// How many orders of each kind a diff lists; the counts say how many there were.
    public static let listedOrderLimit = 10

    public var key: TotalsKey
    public var before: Total
    public var after: Total
    /// Orders in this snapshot only: the largest, largest first.
    public var newOrders: [OrderAmount]
    /// Orders in the previous snapshot only, the largest, largest first: paid or revoked
    /// (the export cannot tell which).
    public var goneOrders: [OrderAmount]
    /// Orders whose amount changed: the largest changes (either way) first, ties by number.
    public var changedOrders: [ChangedOrder]
    public var newOrderCount: Int
    public var goneOrderCount: Int
    public var changedOrderCount: Int

    /// A diff whose lists are complete: the counts are the lists' lengths.
    public init(key: TotalsKey, before: Total, after: Total, newOrders: [OrderAmount],
                goneOrders: [OrderAmount], changedOrders: [ChangedOrder]) {
        self.init(key: key, before: before, after: after, newOrders: newOrders, newOrderCount: newOrders.count,
                  goneOrders: goneOrders, goneOrderCount: goneOrders.count,
                  changedOrders: changedOrders, changedOrderCount: changedOrders.count)
    }

    public init(key: TotalsKey, before: Total, after: Total, newOrders: [OrderAmount], newOrderCount: Int,
                goneOrders: [OrderAmount], goneOrderCount: Int, changedOrders: [ChangedOrder], changedOrderCount: Int) {
        self.key = key
        self.before = before
        self.after = after
        self.newOrders = newOrders
        self.goneOrders = goneOrders
        self.changedOrders = changedOrders
        self.newOrderCount = newOrderCount
        self.goneOrderCount = goneOrderCount
        self.changedOrderCount = changedOrderCount
    }

    public var delta: Money { after.sum - before.sum }

    /// `delta / before`, nil when the previous total was zero (any change is then infinite).
    public var relativeDelta: Double? { delta.ratio(to: before.sum) }

    public var isUnchanged: Bool {
        before == after && newOrderCount == 0 && goneOrderCount == 0 && changedOrderCount == 0
    }
}

extension CurrencyDiff: Codable {
    private enum CodingKeys: String, CodingKey {
        case key, before, after, newOrders, goneOrders, changedOrders, newOrderCount, goneOrderCount, changedOrderCount
    }

    /// Diffs stored before the counts existed listed every order: their counts are the lists'.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let new = try container.decode([OrderAmount].self, forKey: .newOrders)
        let gone = try container.decode([OrderAmount].self, forKey: .goneOrders)
        let changed = try container.decode([ChangedOrder].self, forKey: .changedOrders)
        self.init(key: try container.decode(TotalsKey.self, forKey: .key),
                  before: try container.decode(Total.self, forKey: .before),
                  after: try container.decode(Total.self, forKey: .after),
                  newOrders: new, newOrderCount: try container.decodeIfPresent(Int.self, forKey: .newOrderCount) ?? new.count,
                  goneOrders: gone, goneOrderCount: try container.decodeIfPresent(Int.self, forKey: .goneOrderCount) ?? gone.count,
                  changedOrders: changed,
                  changedOrderCount: try container.decodeIfPresent(Int.self, forKey: .changedOrderCount) ?? changed.count)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(key, forKey: .key)
        try container.encode(before, forKey: .before)
        try container.encode(after, forKey: .after)
        try container.encode(newOrders, forKey: .newOrders)
        try container.encode(goneOrders, forKey: .goneOrders)
        try container.encode(changedOrders, forKey: .changedOrders)
        try container.encode(newOrderCount, forKey: .newOrderCount)
        try container.encode(goneOrderCount, forKey: .goneOrderCount)
        try container.encode(changedOrderCount, forKey: .changedOrderCount)
    }
}

/// The difference between two snapshots of the same job, per organization and currency.
///
/// Rows that share an order number (one order billed over several resources) are one
/// order whose amount is their sum; counts stay row counts, as the totals report them.
public struct SnapshotDiff: Sendable, Hashable, Codable {
    /// Only the (organization, currency) pairs where something moved, sorted by key.
    public var currencies: [CurrencyDiff]

    public init(currencies: [CurrencyDiff]) {
        self.currencies = currencies
    }

    public init(previous: [UnpaidOrder], current: [UnpaidOrder]) {
        let before = OrderIndex(previous)
        let after = OrderIndex(current)
        let keys = Set(before.totals.byKey.keys).union(after.totals.byKey.keys).sorted()
        currencies = keys.compactMap { key in
            let old = before.orders[key] ?? [:]
            let new = after.orders[key] ?? [:]
            let added = new.filter { old[$0.key] == nil }.values.sorted(by: OrderAmount.largestFirst)
            let gone = old.filter { new[$0.key] == nil }.values.sorted(by: OrderAmount.largestFirst)
            let changed = new.compactMap { orderNo, order -> ChangedOrder? in
                guard let previous = old[orderNo], previous.amount != order.amount else { return nil }
                return ChangedOrder(orderNo: orderNo, before: previous.amount, after: order.amount)
            }.sorted(by: ChangedOrder.largestFirst)
            let limit = CurrencyDiff.listedOrderLimit
            let diff = CurrencyDiff(
                key: key, before: before.totals.byKey[key] ?? Total(), after: after.totals.byKey[key] ?? Total(),
                newOrders: Array(added.prefix(limit)), newOrderCount: added.count,
                goneOrders: Array(gone.prefix(limit)), goneOrderCount: gone.count,
                changedOrders: Array(changed.prefix(limit)), changedOrderCount: changed.count)
            return diff.isUnchanged ? nil : diff
        }
    }

    public var isEmpty: Bool { currencies.isEmpty }

    public subscript(key: TotalsKey) -> CurrencyDiff? {
        currencies.first { $0.key == key }
    }
}

extension OrderAmount {
    /// Largest amount first; ties by order number so the order is reproducible.
    public static func largestFirst(_ lhs: OrderAmount, _ rhs: OrderAmount) -> Bool {
        lhs.amount != rhs.amount ? lhs.amount > rhs.amount : lhs.orderNo < rhs.orderNo
    }
}

extension ChangedOrder {
    /// Largest change either way first; ties by order number.
    public static func largestFirst(_ lhs: ChangedOrder, _ rhs: ChangedOrder) -> Bool {
        let left = lhs.delta.size, right = rhs.delta.size
        return left != right ? left > right : lhs.orderNo < rhs.orderNo
    }
}

/// Orders of one snapshot grouped by (organization, currency) and order number.
struct OrderIndex {
    var totals = OrderTotals()
    var orders: [TotalsKey: [String: OrderAmount]] = [:]

    init(_ rows: [UnpaidOrder]) {
        for row in rows {
            totals.add(row)
            let key = TotalsKey(organizationID: row.organizationID, currency: row.currency)
            if var existing = orders[key, default: [:]][row.orderNo] {
                existing.amount += row.totalPrice
                existing.startTime = [existing.startTime, row.startTime].compactMap { $0 }.min()
                orders[key]![row.orderNo] = existing
            } else {
                orders[key, default: [:]][row.orderNo] = OrderAmount(
                    orderNo: row.orderNo, amount: row.totalPrice, startTime: row.startTime)
            }
        }
    }
}

/// How one order moved between two snapshots, as a merge over order numbers sees it.
public enum OrderMove: Sendable, Hashable {
    case new(currency: String, OrderAmount)
    case gone(currency: String, OrderAmount)
    /// Same order number and currency, another amount.
    case changed(currency: String, ChangedOrder)
}

extension SnapshotDiff {
    /// The diff from each snapshot's totals and the orders that moved between them, for
    /// a caller that walked both order sets once instead of holding both in memory.
    /// Agrees with `init(previous:current:)` whenever no order number repeats.
    public init(organizationID: Int64, before: [String: Total], after: [String: Total], moves: [OrderMove]) {
        var builder = SnapshotDiffBuilder()
        for move in moves { builder.add(move) }
        self = builder.diff(organizationID: organizationID, before: before, after: after)
    }
}
