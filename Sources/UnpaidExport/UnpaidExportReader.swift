import UnpaidCore
import XLSXReader

/// What reading an export found.
public struct ExportSummary: Sendable {
    /// The fields found in the header row, in column order.
    public var columns: [DetectedColumn]
    /// Every header text of the first row (nil where a header cell is empty).
    public var headers: [String?]
    /// Data rows turned into orders (blank rows are not counted).
    public var rowCount: Int
    public var totals: OrderTotals
}

/// Reads the unpaid orders of an export file (first worksheet, header in the first row),
/// calling `onOrder` for each and returning the per-(organization, currency) totals.
///
/// `aliases` adds header texts per field name (`["OrderNo": ["Order Number"]]`).
/// Throws `XLSXError` for an unreadable workbook, `UnpaidExportError` for a bad header or
/// row, and whatever `onOrder` throws.
public func readUnpaidExport(at path: String, aliases: [String: [String]] = [:],
                             limits: XLSXLimits = XLSXLimits(),
                             onOrder: (UnpaidOrder) throws -> Void) throws -> ExportSummary {
    try scanExport(at: path, aliases: aliases, limits: limits) { row, decoding, totals in
        let order = UnpaidOrder(
            orderNo: try decoding.requiredText(row, .orderNo),
            organizationID: try decoding.organizationID(row),
            currency: try decoding.currency(row),
            totalPrice: try decoding.amount(row),
            startTime: try decoding.startTime(row),
            productCode: decoding.optionalText(row, .productCode),
            resourceID: decoding.optionalText(row, .resourceID),
            modelID: decoding.optionalText(row, .modelID))
        totals.add(order)
        try onOrder(order)
    }
}

/// The totals alone, for large files: no `UnpaidOrder` and no String per row (order
/// numbers are only checked to be present).
public func sumUnpaidExport(at path: String, aliases: [String: [String]] = [:],
                            limits: XLSXLimits = XLSXLimits()) throws -> ExportSummary {
    try scanExport(at: path, aliases: aliases, limits: limits) { row, decoding, totals in
        let orderColumn = decoding.orderNoColumn
        guard row.withCellBytes(at: orderColumn.index, { _, bytes in !trimmed(bytes).isEmpty }) == true else {
            throw UnpaidExportError.missingValue(file: path, row: row.number, header: orderColumn.header)
        }
        let organizationID = try decoding.organizationID(row)
        let amount = try decoding.amount(row)
        totals.add(organizationID: organizationID, currency: try decoding.currency(row), amount: amount)
    }
}

private func scanExport(at path: String, aliases: [String: [String]], limits: XLSXLimits,
                        perRow: (XLSXRow, inout CellDecoding, inout OrderTotals) throws -> Void) throws -> ExportSummary {
    let reader = try XLSXReader(path: path, limits: limits)
    var decoding: CellDecoding? = nil
    var headers: [String?] = []
    var totals = OrderTotals()
    var rowCount = 0
    try reader.forEachRow { row in
        guard var current = decoding else {
            guard !row.isEmpty else { return }
            headers = (0..<row.columnCount).map { row.text(at: $0) }
            decoding = CellDecoding(file: path, map: try ColumnMap(headers: headers, aliases: aliases, file: path))
            return
        }
        if row.isEmpty { return }
        do {
            try perRow(row, &current, &totals)
        } catch let error as UnpaidExportError {
            // Checking blankness only when a value is missing keeps it off the hot path.
            if case .missingValue = error, current.isBlank(row) { return }
            throw error
        }
        decoding = current
        rowCount += 1
    }
    guard let decoding else { throw UnpaidExportError.noHeaderRow(file: path) }
    return ExportSummary(columns: decoding.map.columns, headers: headers, rowCount: rowCount, totals: totals)
}
