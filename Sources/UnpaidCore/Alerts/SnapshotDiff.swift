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
/// which orders moved it.
public struct CurrencyDiff: Sendable, Hashable, Codable {
    public var key: TotalsKey
    public var before: Total
    public var after: Total
    /// Orders in this snapshot only, largest first.
    public var newOrders: [OrderAmount]
    /// Orders in the previous snapshot only, largest first: paid or revoked (the export
    /// cannot tell which).
    public var goneOrders: [OrderAmount]
    public var changedOrders: [ChangedOrder]

    public init(key: TotalsKey, before: Total, after: Total, newOrders: [OrderAmount],
                goneOrders: [OrderAmount], changedOrders: [ChangedOrder]) {
        self.key = key
        self.before = before
        self.after = after
        self.newOrders = newOrders
        self.goneOrders = goneOrders
        self.changedOrders = changedOrders
    }

    public var delta: Money { after.sum - before.sum }

    /// `delta / before`, nil when the previous total was zero (any change is then infinite).
    public var relativeDelta: Double? { delta.ratio(to: before.sum) }

    public var isUnchanged: Bool {
        before == after && newOrders.isEmpty && goneOrders.isEmpty && changedOrders.isEmpty
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
            let diff = CurrencyDiff(
                key: key,
                before: before.totals.byKey[key] ?? Total(),
                after: after.totals.byKey[key] ?? Total(),
                newOrders: new.filter { old[$0.key] == nil }.values.sorted(by: OrderAmount.largestFirst),
                goneOrders: old.filter { new[$0.key] == nil }.values.sorted(by: OrderAmount.largestFirst),
                changedOrders: new.compactMap { orderNo, order in
                    guard let previous = old[orderNo], previous.amount != order.amount else { return nil }
                    return ChangedOrder(orderNo: orderNo, before: previous.amount, after: order.amount)
                }.sorted { $0.orderNo < $1.orderNo })
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
        var new: [String: [OrderAmount]] = [:], gone: [String: [OrderAmount]] = [:]
        var changed: [String: [ChangedOrder]] = [:]
        for move in moves {
            switch move {
            case .new(let currency, let order): new[currency, default: []].append(order)
            case .gone(let currency, let order): gone[currency, default: []].append(order)
            case .changed(let currency, let order): changed[currency, default: []].append(order)
            }
        }
        let currencies = Set(before.keys).union(after.keys).sorted()
        self.init(currencies: currencies.compactMap { currency in
            let diff = CurrencyDiff(
                key: TotalsKey(organizationID: organizationID, currency: currency),
                before: before[currency] ?? Total(), after: after[currency] ?? Total(),
                newOrders: (new[currency] ?? []).sorted(by: OrderAmount.largestFirst),
                goneOrders: (gone[currency] ?? []).sorted(by: OrderAmount.largestFirst),
                changedOrders: (changed[currency] ?? []).sorted { $0.orderNo < $1.orderNo })
            return diff.isUnchanged ? nil : diff
        })
    }
}
