import UnpaidCore

/// One unpaid order as the simulated cloud holds it: every column of the export.
public struct SimulatedOrder: Sendable, Hashable {
    public var orderNo: String
    public var organizationID: Int64
    public var organizationName: String
    public var resourceID: String
    public var resourceType: Int64
    public var modelID: String?
    public var modelName: String?
    public var productCode: String
    public var region: String
    public var pricingSKU: String
    public var pricingUnit: Int64
    public var pricingUnitDisplay: String
    public var chargeType: Int64
    public var orderType: Int64
    public var orderTypeDisplay: String
    public var quantity: Int64
    /// Amounts in millionths of the currency unit; the export prints them with 6 decimals.
    public var listPriceMicros: Int64
    public var discountPriceMicros: Int64?
    public var originalPriceMicros: Int64
    public var totalPriceMicros: Int64
    public var currency: String
    public var createTime: Int64
    public var startTime: Int64
    public var endTime: Int64
    public var status: Int64
    public var statusDisplay: String
    public var userEmail: String?

    /// Header texts: the SDK's field names, in the column order of the reference generator.
    public static let columns = [
        "OrderNo", "OrganizationID", "OrganizationName", "ResourceID", "ResourceType",
        "ModelID", "ModelName", "ProductCode", "Region", "PricingSKU", "PricingUnit",
        "PricingUnitDisplay", "ChargeType", "OrderType", "OrderTypeDisplay", "Quantity",
        "ListPrice", "DiscountPrice", "OriginalPrice", "OrderTotalPrice", "Currency",
        "CreateTime", "StartTime", "EndTime", "Status", "StatusDisplay", "UserEmail",
    ]

    public var totalPrice: Money { Money(units: Int128(totalPriceMicros), scale: 6) }

    /// The row as the export writes it, one cell per entry of `columns`.
    public var cells: [XLSXCell] {
        func text(_ value: String?) -> XLSXCell { value.map(XLSXCell.text) ?? .empty }
        func amount(_ micros: Int64?) -> XLSXCell {
            micros.map { .text(Self.sixDecimals($0)) } ?? .empty
        }
        return [
            .text(orderNo), .integer(organizationID), .text(organizationName), .text(resourceID),
            .integer(resourceType), text(modelID), text(modelName), .text(productCode),
            .text(region), .text(pricingSKU), .integer(pricingUnit), .text(pricingUnitDisplay),
            .integer(chargeType), .integer(orderType), .text(orderTypeDisplay), .integer(quantity),
            amount(listPriceMicros), amount(discountPriceMicros), amount(originalPriceMicros),
            amount(totalPriceMicros), .text(currency), .integer(createTime), .integer(startTime),
            .integer(endTime), .integer(status), .text(statusDisplay), text(userEmail),
        ]
    }

    /// `12345678` -> `"12.345678"`; the same text `Money.description` gives at scale 6,
    /// without Int128 formatting in the export's hot loop.
    static func sixDecimals(_ micros: Int64) -> String {
        let magnitude = micros.magnitude
        let fraction = String(magnitude % 1_000_000)
        let sign = micros < 0 ? "-" : ""
        return sign + String(magnitude / 1_000_000) + "." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }

    public var unpaidOrder: UnpaidOrder {
        UnpaidOrder(orderNo: orderNo, organizationID: organizationID, currency: currency,
                    totalPrice: totalPrice, startTime: startTime, productCode: productCode,
                    resourceID: resourceID, modelID: modelID)
    }
}
