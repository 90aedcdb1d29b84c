import UnpaidCore

/// Every unpaid order the simulated cloud holds, per organization and data phase.
///
/// Orders are computed on demand from (seed, organization, number), so 200
/// organizations × 5,000 orders cost no memory until a request asks for them.
///
/// The phase story, by organization position `i` (0 for the first, 100001 by default):
/// - `i % 4 == 0` (100001): phase 2 pays orders 1–3 (gone) and adds 2 new orders;
///   phase 3 also pays orders 4–8.
/// - `i % 4 == 1` (100002, CNY and USD): from phase 2, order 0 costs 123.456789 more.
/// - `i % 4 == 2` (100003, USD): never changes.
/// - `i % 4 == 3` (100004): phase 2 adds 4 new orders; phase 3 pays everything (empty).
public struct OrderCatalog: Sendable {
    public static let phases = 1...3
    public static let amountIncrease: Int64 = 123_456_789

    public let organizationIDs: [Int64]
    public let ordersPerOrganization: Int
    public let now: Int64
    private let generator: OrderGenerator

    public init(firstOrganizationID: Int64 = 100_001, organizationCount: Int,
                ordersPerOrganization: Int, seed: UInt64, now: Int64, earliestStart: Int64? = nil) {
        organizationIDs = (0..<Int64(max(0, organizationCount))).map { firstOrganizationID + $0 }
        self.ordersPerOrganization = max(0, ordersPerOrganization)
        self.now = now
        generator = OrderGenerator(seed: seed, now: now, earliestStart: earliestStart)
    }

    /// Arrived orders are numbered from here, past any phase's new orders.
    static let firstArrivalNumber = 1_000

    /// The organization's unpaid orders in `phase`, in order number order, with `arrivals`
    /// orders that arrived outside the phase story (the newest last).
    public func orders(organizationID: Int64, phase: Int, arrivals: Int = 0) -> [SimulatedOrder] {
        guard let index = organizationIDs.firstIndex(of: organizationID) else { return [] }
        let story = PhaseStory(organizationIndex: index, phase: phase)
        var orders: [SimulatedOrder] = []
        orders.reserveCapacity(ordersPerOrganization + story.newOrders)
        for number in 0..<ordersPerOrganization where !story.allPaid && !story.paid.contains(number) {
            var order = generator.order(organizationIndex: index, organizationID: organizationID, number: number)
            if number == 0, story.amountChanged { order.totalPriceMicros += Self.amountIncrease }
            orders.append(order)
        }
        for extra in 0..<story.newOrders {
            // New orders started within the last few hours: they land in any window ending now.
            orders.append(generator.order(organizationIndex: index, organizationID: organizationID,
                                          number: ordersPerOrganization + extra,
                                          startTime: now - Int64(extra + 1) * 1_800))
        }
        for arrival in 0..<arrivals {
            orders.append(generator.order(organizationIndex: index, organizationID: organizationID,
                                          number: ordersPerOrganization + Self.firstArrivalNumber + arrival,
                                          startTime: now - 600 + Int64(arrival)))
        }
        return orders
    }

    /// Orders matching a request: organizations (all when empty), the half-open window
    /// on StartTime, and product codes and regions when given.
    public func orders(matching filter: OrderFilter, phase: Int, arrivals: [Int64: Int] = [:]) -> [SimulatedOrder] {
        let organizations = filter.organizationIDs.isEmpty ? organizationIDs : filter.organizationIDs
        return organizations.flatMap { orders(organizationID: $0, phase: phase, arrivals: arrivals[$0] ?? 0) }
            .filter(filter.matches)
    }

    /// The totals a correct reader of the export for `filter` must arrive at.
    public func expectedTotals(matching filter: OrderFilter, phase: Int, arrivals: [Int64: Int] = [:]) -> OrderTotals {
        var totals = OrderTotals()
        for order in orders(matching: filter, phase: phase, arrivals: arrivals) {
            totals.add(organizationID: order.organizationID, currency: order.currency, amount: order.totalPrice)
        }
        return totals
    }
}

public struct OrderFilter: Sendable, Hashable {
    public var window: BillingWindow
    public var organizationIDs: [Int64]
    public var productCodes: Set<String>
    public var regions: Set<String>

    public init(window: BillingWindow, organizationIDs: [Int64] = [],
                productCodes: Set<String> = [], regions: Set<String> = []) {
        self.window = window
        self.organizationIDs = organizationIDs
        self.productCodes = productCodes
        self.regions = regions
    }

    func matches(_ order: SimulatedOrder) -> Bool {
        order.startTime >= window.start && order.startTime < window.end
            && (productCodes.isEmpty || productCodes.contains(order.productCode))
            && (regions.isEmpty || regions.contains(order.region))
    }
}

/// What a phase does to one organization; see `OrderCatalog`.
struct PhaseStory {
    var paid: Set<Int> = []
    var allPaid = false
    var newOrders = 0
    var amountChanged = false

    init(organizationIndex index: Int, phase: Int) {
        guard phase >= 2 else { return }
        switch index % 4 {
        case 0:
            paid = phase >= 3 ? Set(1...8) : Set(1...3)
            newOrders = 2
        case 1:
            amountChanged = true
        case 3:
            if phase >= 3 { allPaid = true } else { newOrders = 4 }
        default:
            break
        }
    }
}
