/// Builds a `SnapshotDiff` from moves seen one at a time, in bounded memory: per
/// currency it counts every move and keeps only the largest few of each kind. Order
/// numbers are asked for only when an order makes it into a list.
public struct SnapshotDiffBuilder: Sendable {
    private struct Moves: Sendable {
        var new = Largest<OrderAmount>(by: OrderAmount.largestFirst)
        var gone = Largest<OrderAmount>(by: OrderAmount.largestFirst)
        var changed = Largest<ChangedOrder>(by: ChangedOrder.largestFirst)
    }

    private var byCurrency: [String: Moves] = [:]

    public init() {}

    public mutating func add(_ move: OrderMove) {
        switch move {
        case .new(let currency, let order): byCurrency[currency, default: Moves()].new.add(order)
        case .gone(let currency, let order): byCurrency[currency, default: Moves()].gone.add(order)
        case .changed(let currency, let order): byCurrency[currency, default: Moves()].changed.add(order)
        }
    }

    /// An order only in the new snapshot; `orderNo` is called only if it is listed.
    public mutating func addNew(currency: String, amount: Money, startTime: Int64?, orderNo: () -> String) {
        byCurrency[currency, default: Moves()].new.add(amount: amount) {
            OrderAmount(orderNo: orderNo(), amount: amount, startTime: startTime)
        }
    }

    /// An order only in the previous snapshot; `orderNo` is called only if it is listed.
    public mutating func addGone(currency: String, amount: Money, startTime: Int64?, orderNo: () -> String) {
        byCurrency[currency, default: Moves()].gone.add(amount: amount) {
            OrderAmount(orderNo: orderNo(), amount: amount, startTime: startTime)
        }
    }

    /// An order whose amount changed; `orderNo` is called only if it is listed.
    public mutating func addChanged(currency: String, before: Money, after: Money, orderNo: () -> String) {
        byCurrency[currency, default: Moves()].changed.add(delta: after - before) {
            ChangedOrder(orderNo: orderNo(), before: before, after: after)
        }
    }

    public func diff(organizationID: Int64, before: [String: Total], after: [String: Total]) -> SnapshotDiff {
        let currencies = Set(before.keys).union(after.keys).union(byCurrency.keys).sorted()
        return SnapshotDiff(currencies: currencies.compactMap { currency in
            let moves = byCurrency[currency] ?? Moves()
            let diff = CurrencyDiff(
                key: TotalsKey(organizationID: organizationID, currency: currency),
                before: before[currency] ?? Total(), after: after[currency] ?? Total(),
                newOrders: moves.new.elements, newOrderCount: moves.new.count,
                goneOrders: moves.gone.elements, goneOrderCount: moves.gone.count,
                changedOrders: moves.changed.elements, changedOrderCount: moves.changed.count)
            return diff.isUnchanged ? nil : diff
        })
    }
}

/// The `CurrencyDiff.listedOrderLimit` first elements of a stream in `precedes` order,
/// and how many elements there were.
private struct Largest<Element: Sendable>: Sendable {
    let precedes: @Sendable (Element, Element) -> Bool
    private(set) var elements: [Element] = []
    private(set) var count = 0

    init(by precedes: @escaping @Sendable (Element, Element) -> Bool) {
        self.precedes = precedes
    }

    mutating func add(_ element: Element) {
        count += 1
        insert(element)
    }

    private mutating func insert(_ element: Element) {
        let limit = CurrencyDiff.listedOrderLimit
        if elements.count == limit {
            guard precedes(element, elements[limit - 1]) else { return }
            elements.removeLast()
        }
        let index = elements.firstIndex { precedes(element, $0) } ?? elements.count
        elements.insert(element, at: index)
    }
}

extension Largest where Element == OrderAmount {
    /// Adds an order made only if its amount can place it in the list.
    mutating func add(amount: Money, make: () -> OrderAmount) {
        count += 1
        if elements.count == CurrencyDiff.listedOrderLimit, let last = elements.last, amount < last.amount { return }
        insert(make())
    }
}

extension Largest where Element == ChangedOrder {
    /// Adds a change made only if its size can place it in the list.
    mutating func add(delta: Money, make: () -> ChangedOrder) {
        count += 1
        if elements.count == CurrencyDiff.listedOrderLimit, let last = elements.last,
           delta.size < last.delta.size { return }
        insert(make())
    }
}

extension Money {
    /// The amount without its sign.
    var size: Money { isNegative ? -self : self }
}
