import Foundation
import Testing
import UnpaidCore
import UnpaidExport

/// Exports written by Python writers, with totals computed by Python's decimal module.
@Suite struct FixtureTotalsTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("../shared/fixtures/unpaid").standardized

    static let names: [String] = {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".xlsx") }.map { String($0.dropLast(5)) }.sorted()
    }()

    struct Expected {
        var rows: Int
        var groups: [TotalsKey: Total]
    }

    static func expected(_ name: String) throws -> Expected {
        let data = try Data(contentsOf: directory.appendingPathComponent(name + ".json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var groups: [TotalsKey: Total] = [:]
        for group in try #require(json["groups"] as? [[String: Any]]) {
            let key = TotalsKey(organizationID: try #require((group["OrganizationID"] as? NSNumber)?.int64Value),
                                currency: try #require(group["Currency"] as? String))
            groups[key] = Total(count: try #require(group["count"] as? Int), sum: try Money(try #require(group["sum"] as? String)))
        }
        return Expected(rows: try #require(json["rows"] as? Int), groups: groups)
    }

    @Test func fixturesArePresent() {
        #expect(Self.names.count >= 6, "fixtures expected in \(Self.directory.path)")
    }

    @Test(arguments: names)
    func totalsPathMatchesPythonDecimal(name: String) throws {
        let expected = try Self.expected(name)
        let summary = try sumUnpaidExport(at: Self.directory.appendingPathComponent(name + ".xlsx").path)
        #expect(summary.rowCount == expected.rows)
        #expect(summary.totals.byKey == expected.groups)
    }

    @Test(arguments: names)
    func orderPathMatchesPythonDecimal(name: String) throws {
        let expected = try Self.expected(name)
        var recomputed = OrderTotals()
        var orderNumbers = Set<String>()
        let summary = try readUnpaidExport(at: Self.directory.appendingPathComponent(name + ".xlsx").path) { order in
            recomputed.add(order)
            orderNumbers.insert(order.orderNo)
            #expect(order.startTime != nil && order.productCode != nil && order.resourceID != nil)
        }
        #expect(summary.rowCount == expected.rows && orderNumbers.count == expected.rows)
        #expect(summary.totals.byKey == expected.groups && recomputed.byKey == expected.groups)
        #expect(summary.columns.map(\.field).filter(ExportField.required.contains).count == 4)
    }

    @Test func chineseHeadersAreDetected() async throws {
        let summary = try sumUnpaidExport(at: Self.directory.appendingPathComponent("openpyxl-chinese-headers.xlsx").path)
        let detected = Dictionary(uniqueKeysWithValues: summary.columns.map { ($0.field, $0) })
        #expect(detected[.orderNo]?.header == "订单号" && detected[.orderNo]?.letter == "A")
        #expect(detected[.organizationID]?.header == "组织ID" && detected[.orderTotalPrice]?.header == "订单总额")
        #expect(detected[.currency]?.header == "币种" && detected[.startTime]?.header == "开始计费时间")
    }
}
