import UnpaidCore

/// The filters of `DownloadListUnpaidOrders`. The window is `[StartTime, EndTime)`;
/// every list is optional and sent as `Name.0`, `Name.1`, …
public struct UnpaidOrdersQuery: Sendable, Hashable {
    /// The product codes the API accepts in `ProductCodes.N`.
    public static let knownProductCodes: Set<String> = ["modelverse", "sandbox"]

    public var window: BillingWindow
    public var organizationIDs: [Int64]
    public var resourceIDs: [String]
    public var modelIDs: [String]
    public var pricingSKUs: [String]
    public var productCodes: [String]
    public var regions: [String]
    public var pricingUnits: [Int]
    public var orderTypes: [Int]

    public init(window: BillingWindow, organizationIDs: [Int64] = [], resourceIDs: [String] = [],
                modelIDs: [String] = [], pricingSKUs: [String] = [], productCodes: [String] = [],
                regions: [String] = [], pricingUnits: [Int] = [], orderTypes: [Int] = []) {
        self.window = window
        self.organizationIDs = organizationIDs
        self.resourceIDs = resourceIDs
        self.modelIDs = modelIDs
        self.pricingSKUs = pricingSKUs
        self.productCodes = productCodes
        self.regions = regions
        self.pricingUnits = pricingUnits
        self.orderTypes = orderTypes
    }

    /// Catches what the API would reject with RetCode 230, naming the parameter.
    public func validate() throws(BillingAPIError) {
        for (index, code) in productCodes.enumerated() where !Self.knownProductCodes.contains(code) {
            throw .invalidParameter(name: "ProductCodes.\(index)",
                                    reason: "\"\(code)\" is not one of modelverse, sandbox")
        }
        let lists: [(String, [String])] = [("ResourceIds", resourceIDs), ("ModelIds", modelIDs),
                                           ("PricingSkus", pricingSKUs), ("Regions", regions)]
        for (name, values) in lists {
            if let index = values.firstIndex(where: \.isEmpty) {
                throw .invalidParameter(name: "\(name).\(index)", reason: "the value is empty")
            }
        }
    }

    /// The action's own parameters, in the order they are sent.
    public var parameters: [(name: String, value: String)] {
        var result: [(name: String, value: String)] = [
            ("StartTime", String(window.start)), ("EndTime", String(window.end)),
        ]
        func list(_ name: String, _ values: [String]) {
            for (index, value) in values.enumerated() { result.append(("\(name).\(index)", value)) }
        }
        list("OrganizationIds", organizationIDs.map(String.init))
        list("ResourceIds", resourceIDs)
        list("ModelIds", modelIDs)
        list("PricingSkus", pricingSKUs)
        list("ProductCodes", productCodes)
        list("Regions", regions)
        list("PricingUnits", pricingUnits.map(String.init))
        list("OrderTypes", orderTypes.map(String.init))
        return result
    }
}
