/// What alert rules read of a snapshot's orders: the totals per currency and the
/// largest orders, optionally only those billed from before a cutoff.
public protocol RankedOrders: Sendable {
    var organizationID: Int64 { get }
    var totals: [String: Total] { get }
    /// The `limit` largest orders in `currency`, largest first (ties by order number),
    /// only those with a start time before `cutoff` when one is given.
    func largest(_ limit: Int, currency: String, startedBefore cutoff: Int64?) -> [OrderAmount]
}

extension RankedOrders {
    public func largest(_ limit: Int, currency: String) -> [OrderAmount] {
        largest(limit, currency: currency, startedBefore: nil)
    }
}

extension PackedOrders: RankedOrders {}

/// The few orders per currency that alerts name, collected while a snapshot's orders
/// stream past, so that nothing holds the orders themselves: the largest of each
/// currency, and the largest billed from before each cutoff the rules will ask about.
///
/// The cutoffs are fixed before the orders are read (`AlertEvaluator.highlightRequest`);
/// asking about another one is a programming error.
public struct OrderHighlights: RankedOrders {
    /// What to collect: `limit` orders per list, one list per cutoff besides the largest.
    public struct Request: Sendable, Hashable {
        public var limit: Int
        public var cutoffs: [Int64]

        public init(limit: Int, cutoffs: some Sequence<Int64>) {
            self.limit = limit
            self.cutoffs = Set(cutoffs).sorted()
        }

        /// Nothing to name: only the totals are kept.
        public static let none = Request(limit: 0, cutoffs: [])
    }

    public let organizationID: Int64
    public let request: Request
    public private(set) var totals: [String: Total] = [:]
    private var largest: [String: [OrderAmount]] = [:]
    /// Per currency, one list per cutoff of the request, in the request's order.
    private var largestBefore: [String: [[OrderAmount]]] = [:]

    public init(organizationID: Int64, request: Request) {
        self.organizationID = organizationID
        self.request = request
    }

    /// Counts an order into the totals and, when it ranks, into the lists. `orderNo` is
    /// called only for an order that makes it into a list.
    public mutating func add(currency: String, amount: Money, startTime: Int64?, orderNo: () -> String) {
        totals[currency, default: Total()].add(amount)
        let limit = request.limit
        guard limit > 0 else { return }
        var made: OrderAmount?
        func order() -> OrderAmount {
            if let made { return made }
            let order = OrderAmount(orderNo: orderNo(), amount: amount, startTime: startTime)
            made = order
            return order
        }
        Self.rank(amount, into: &largest[currency, default: []], limit: limit, order)
        // Cutoffs are ascending: an order not before the last is before none.
        guard let startTime, let latest = request.cutoffs.last, startTime < latest else { return }
        var lists = largestBefore[currency] ?? Array(repeating: [], count: request.cutoffs.count)
        for (index, cutoff) in request.cutoffs.enumerated() where startTime < cutoff {
            Self.rank(amount, into: &lists[index], limit: limit, order)
        }
        largestBefore[currency] = lists
    }

    private static func rank(_ amount: Money, into list: inout [OrderAmount], limit: Int, _ order: () -> OrderAmount) {
        if list.count == limit, let last = list.last, amount < last.amount { return }
        let candidate = order()
        if list.count == limit {
            guard OrderAmount.largestFirst(candidate, list[limit - 1]) else { return }
            list.removeLast()
        }
        let index = list.firstIndex { OrderAmount.largestFirst(candidate, $0) } ?? list.count
        list.insert(candidate, at: index)
    }

    public func largest(_ limit: Int, currency: String, startedBefore cutoff: Int64? = nil) -> [OrderAmount] {
        precondition(limit <= request.limit, "asked for \(limit) orders, collected \(request.limit)")
        guard let cutoff else { return Array((largest[currency] ?? []).prefix(limit)) }
        guard let index = request.cutoffs.firstIndex(of: cutoff) else {
            preconditionFailure("orders started before \(cutoff) were not collected")
        }
        return Array((largestBefore[currency]?[index] ?? []).prefix(limit))
    }
}
