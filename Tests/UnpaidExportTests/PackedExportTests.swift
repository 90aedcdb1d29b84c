import Foundation
import Testing
import UnpaidCore
import UnpaidExport

/// The pipeline's read: one organization's rows straight into packed orders.
@Suite struct PackedExportTests {
    /// Every fixture, each organization: the packed orders are exactly the orders the
    /// String path reads, in file order, and their totals are Python's.
    @Test(arguments: FixtureTotalsTests.names)
    func packedOrdersAreTheOrdersOfTheStringPath(name: String) throws {
        let path = FixtureTotalsTests.directory.appendingPathComponent(name + ".xlsx").path
        let expected = try FixtureTotalsTests.expected(name)
        var byOrganization: [Int64: [UnpaidOrder]] = [:]
        _ = try readUnpaidExport(at: path) { byOrganization[$0.organizationID, default: []].append($0) }
        let packed = try readPackedExports(at: path)
        #expect(Set(packed.keys) == Set(byOrganization.keys))
        for (organizationID, orders) in packed {
            #expect(Array(orders) == byOrganization[organizationID])
            let totals = expected.groups.filter { $0.key.organizationID == organizationID }
            #expect(orders.totals == Dictionary(uniqueKeysWithValues: totals.map { ($0.key.currency, $0.value) }))
            if packed.count == 1 {
                #expect(Array(try readPackedExport(at: path, organizationID: organizationID)) == Array(orders))
            } else {
                #expect(throws: UnpaidExportError.self) { try readPackedExport(at: path, organizationID: organizationID) }
            }
        }
    }

    @Test func rowsAreTrimmedAndEmptyOptionalTextsAreAbsent() async throws {
        let header: [Any?] = ["OrderNo", "OrganizationID", "OrderTotalPrice", "Currency", "ProductCode", "ResourceId"]
        try ExportWorkbook.withFile([header, ["  A-1 ", 5, "1.50", "CNY", " ", "r-1"], ["B", 5, NumberText("0.1"), "USD", "sandbox", nil]]) { path in
            let packed = try readPackedExport(at: path, organizationID: 5)
            #expect(Array(packed) == [
                UnpaidOrder(orderNo: "A-1", organizationID: 5, currency: "CNY", totalPrice: try Money("1.50"),
                            productCode: nil, resourceID: "r-1"),
                UnpaidOrder(orderNo: "B", organizationID: 5, currency: "USD", totalPrice: try Money("0.1"),
                            productCode: "sandbox", resourceID: nil),
            ])
        }
    }

    @Test func aRowOfAnotherOrganizationNamesItsRow() async throws {
        let header: [Any?] = ["OrderNo", "OrganizationID", "OrderTotalPrice", "Currency"]
        try ExportWorkbook.withFile([header, ["A", 5, "1", "CNY"], ["B", 5, "2", "CNY"], ["C", 6, "3", "CNY"]]) { path in
            #expect(throws: UnpaidExportError.otherOrganization(file: path, row: 4, requested: 5, found: 6)) {
                try readPackedExport(at: path, organizationID: 5)
            }
            #expect("\(UnpaidExportError.otherOrganization(file: "f.xlsx", row: 4, requested: 5, found: 6))"
                    == "f.xlsx row 4: an order of organization 6 in the export asked for organization 5; nothing was recorded")
        }
    }
}
