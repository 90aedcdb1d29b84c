/// One row of an unpaid-order export, reduced to what the ledger and alerts use.
public struct UnpaidOrder: Sendable, Hashable, Codable {
    public var orderNo: String
    public var organizationID: Int64
    public var currency: String
    public var totalPrice: Money
    /// Billing start (Unix seconds), when the export has it: ages unpaid orders.
    public var startTime: Int64?
    public var productCode: String?
    public var resourceID: String?
    public var modelID: String?

    public init(orderNo: String, organizationID: Int64, currency: String, totalPrice: Money,
                startTime: Int64? = nil, productCode: String? = nil,
                resourceID: String? = nil, modelID: String? = nil) {
        self.orderNo = orderNo
        self.organizationID = organizationID
        self.currency = currency
        self.totalPrice = totalPrice
        self.startTime = startTime
        self.productCode = productCode
        self.resourceID = resourceID
        self.modelID = modelID
    }
}

/// Totals are kept per organization and currency: two currencies are never added.
public struct TotalsKey: Sendable, Hashable, Comparable, Codable {
    public var organizationID: Int64
    public var currency: String

    public init(organizationID: Int64, currency: String) {
        self.organizationID = organizationID
        self.currency = currency
    }

    public static func < (lhs: TotalsKey, rhs: TotalsKey) -> Bool {
        (lhs.organizationID, lhs.currency) < (rhs.organizationID, rhs.currency)
    }
}

public struct Total: Sendable, Hashable, Codable {
    public var count: Int
    public var sum: Money

    public init(count: Int = 0, sum: Money = .zero) {
        self.count = count
        self.sum = sum
    }

    public mutating func add(_ amount: Money) {
        count += 1
        sum += amount
    }
}

/// Running per-(organization, currency) totals.
public struct OrderTotals: Sendable, Hashable, Codable {
    public private(set) var byKey: [TotalsKey: Total] = [:]

    public init() {}

    public mutating func add(organizationID: Int64, currency: String, amount: Money) {
        byKey[TotalsKey(organizationID: organizationID, currency: currency), default: Total()].add(amount)
    }

    public mutating func add(_ order: UnpaidOrder) {
        add(organizationID: order.organizationID, currency: order.currency, amount: order.totalPrice)
    }

    public var sorted: [(key: TotalsKey, total: Total)] {
        byKey.keys.sorted().map { ($0, byKey[$0]!) }
    }

    public var orderCount: Int { byKey.values.reduce(0) { $0 + $1.count } }
}
