import UnpaidCore

/// The `limit` largest orders per currency of a listing, largest first, ties by order
/// number; kept as the orders go by, so a million-order snapshot holds `limit` of them.
package struct LargestOrders {
    private let limit: Int
    package private(set) var byCurrency: [String: [UnpaidOrder]] = [:]

    package init(limit: Int) { self.limit = limit }

    package mutating func consider(_ order: UnpaidOrder) {
        guard limit > 0 else { return }
        var kept = byCurrency[order.currency] ?? []
        guard kept.count < limit || Self.ranks(order, before: kept[kept.count - 1]) else { return }
        let position = kept.firstIndex { Self.ranks(order, before: $0) } ?? kept.count
        kept.insert(order, at: position)
        if kept.count > limit { kept.removeLast() }
        byCurrency[order.currency] = kept
    }

    private static func ranks(_ a: UnpaidOrder, before b: UnpaidOrder) -> Bool {
        a.totalPrice != b.totalPrice ? a.totalPrice > b.totalPrice : a.orderNo < b.orderNo
    }
}
