import Foundation
import Testing
import UnpaidCore
import UnpaidExport

@Suite struct ExportErrorTests {
    let header: [Any?] = ["OrderNo", "OrganizationID", "OrderTotalPrice", "Currency"]

    func exportError(_ body: () throws -> Void) -> UnpaidExportError? {
        do { try body() } catch let error as UnpaidExportError { return error } catch { return nil }
        return nil
    }

    @Test func missingRequiredColumnListsTheHeadersSeen() async throws {
        try ExportWorkbook.withFile([["OrderNo", "Org", "OrderTotalPrice"], ["A1", 1, "2"]]) { path in
            let error = exportError { _ = try sumUnpaidExport(at: path) }
            #expect(error == .missingColumns(file: path, missing: ["OrganizationID", "Currency"], headersSeen: ["OrderNo", "Org", "OrderTotalPrice"]))
            #expect(error?.description.contains(#""Org""#) == true)
        }
    }

    @Test func headersMatchIgnoringCaseAndSpacesAndAliasesExtendThem() async throws {
        try ExportWorkbook.withFile([[" order no ", "Org", "AMOUNT", "currency"], ["X-1", 42, "1.10", "USD"], ["X-2", 42, "2.205", "USD"]]) { path in
            let summary = try sumUnpaidExport(at: path, aliases: ["organizationid": ["org"], "OrderTotalPrice": ["Amount"]])
            #expect(summary.totals.byKey == [TotalsKey(organizationID: 42, currency: "USD"): Total(count: 2, sum: try Money("3.305"))])
            #expect(summary.columns.map(\.header) == ["order no", "Org", "AMOUNT", "currency"])
        }
    }

    @Test func unknownAliasFieldIsAConfigurationError() async throws {
        try ExportWorkbook.withFile([header]) { path in
            #expect(exportError { _ = try sumUnpaidExport(at: path, aliases: ["Price": ["x"]]) } == .unknownAliasField(name: "Price", known: ExportField.allCases.map(\.rawValue)))
        }
    }

    @Test func badAmountNamesRowColumnAndValue() async throws {
        try ExportWorkbook.withFile([header, ["A", 1, "1.00", "CNY"], ["B", 1, "12,50", "CNY"]]) { path in
            let error = exportError { _ = try readUnpaidExport(at: path) { _ in } }
            #expect(error == .badAmount(file: path, row: 3, header: "OrderTotalPrice", value: "12,50"))
            #expect(exportError { _ = try sumUnpaidExport(at: path) } == error)
        }
    }

    @Test func badOrganizationIDNamesRowColumnAndValue() async throws {
        try ExportWorkbook.withFile([header, ["A", "org-7", "1", "CNY"]]) { path in
            #expect(exportError { _ = try sumUnpaidExport(at: path) } == .badOrganizationID(file: path, row: 2, header: "OrganizationID", value: "org-7"))
        }
    }

    @Test func missingValueInAnOtherwiseFilledRowIsAnError() async throws {
        try ExportWorkbook.withFile([header, ["A", 5, "1", nil]]) { path in
            #expect(exportError { _ = try sumUnpaidExport(at: path) } == .missingValue(file: path, row: 2, header: "Currency"))
        }
    }

    @Test func blankRowsAreSkippedAndNumericAmountsAreExact() async throws {
        try ExportWorkbook.withFile([header, ["A", 5, NumberText("66355.05885099999"), "CNY"], [nil, nil, nil, nil], ["B", 5.0, 0.1, "CNY"], []]) { path in
            let summary = try sumUnpaidExport(at: path)
            #expect(summary.rowCount == 2)
            #expect(summary.totals.byKey[TotalsKey(organizationID: 5, currency: "CNY")] == Total(count: 2, sum: try Money("66355.158851")))
        }
    }

    @Test func sheetWithoutRowsHasNoHeader() async throws {
        try ExportWorkbook.withFile([]) { path in
            #expect(exportError { _ = try sumUnpaidExport(at: path) } == .noHeaderRow(file: path))
        }
    }
}
