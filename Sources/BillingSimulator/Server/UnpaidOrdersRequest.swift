import UnpaidCore

/// The parameters of DownloadListUnpaidOrders, checked as the API checks them.
struct UnpaidOrdersRequest {
    static let productCodes: Set<String> = ["modelverse", "sandbox"]

    var filter: OrderFilter

    struct Invalid: Error, CustomStringConvertible {
        var retCode: Int
        var description: String
    }

    static func parse(_ parameters: [(name: String, value: String)]) -> Result<UnpaidOrdersRequest, Invalid> {
        func single(_ name: String) -> Result<Int64, Invalid> {
            guard let text = parameters.first(where: { $0.name == name })?.value else {
                return .failure(Invalid(retCode: 160, description: "missing parameter \(name)"))
            }
            guard let value = Int64(text) else {
                return .failure(Invalid(retCode: 230, description: "parameter \(name) must be Unix seconds, got \"\(text)\""))
            }
            return .success(value)
        }
        let start: Int64, end: Int64
        switch (single("StartTime"), single("EndTime")) {
        case (.failure(let error), _), (_, .failure(let error)): return .failure(error)
        case (.success(let s), .success(let e)): (start, end) = (s, e)
        }
        guard let window = try? BillingWindow(start: start, end: end) else {
            return .failure(Invalid(retCode: 230, description: "parameter EndTime (\(end)) must be greater than StartTime (\(start))"))
        }
        var organizationIDs: [Int64] = []
        for (name, text) in list("OrganizationIds", parameters) {
            guard let id = Int64(text) else {
                return .failure(Invalid(retCode: 230, description: "parameter \(name) must be an integer, got \"\(text)\""))
            }
            organizationIDs.append(id)
        }
        var productCodes: Set<String> = []
        for (name, code) in list("ProductCodes", parameters) {
            guard Self.productCodes.contains(code) else {
                return .failure(Invalid(retCode: 230, description: "parameter \(name) must be modelverse or sandbox, got \"\(code)\""))
            }
            productCodes.insert(code)
        }
        let regions = Set(list("Regions", parameters).map(\.value))
        return .success(UnpaidOrdersRequest(filter: OrderFilter(
            window: window, organizationIDs: organizationIDs, productCodes: productCodes, regions: regions)))
    }

    /// The entries of list parameter `Name.N`, in index order.
    private static func list(_ name: String, _ parameters: [(name: String, value: String)]) -> [(name: String, value: String)] {
        let prefix = name + "."
        return parameters
            .filter { $0.name.hasPrefix(prefix) }
            .sorted { (Int($0.name.dropFirst(prefix.count)) ?? .max) < (Int($1.name.dropFirst(prefix.count)) ?? .max) }
    }
}
