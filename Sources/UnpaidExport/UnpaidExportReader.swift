import OrderSpill
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

/// Reads the export of one organization straight into packed orders: cell bytes are
/// copied into the pack, no String per cell, about 100 bytes an order in all. A row of
/// another organization stops the read with `UnpaidExportError.otherOrganization`.
public func readPackedExport(at path: String, organizationID: Int64, aliases: [String: [String]] = [:],
                             limits: XLSXLimits = XLSXLimits()) throws -> PackedOrders {
    var orders = PackedOrders(organizationID: organizationID)
    try scanPacked(at: path, aliases: aliases, limits: limits) { row, decoding in
        guard row.organizationID == organizationID else {
            throw UnpaidExportError.otherOrganization(file: path, row: row.number, requested: organizationID,
                                                      found: row.organizationID)
        }
        row.append(to: &orders, using: decoding)
    }
    return orders
}

/// Reads the export of one organization into orders sorted by order number, in bounded
/// memory whatever the number of rows: rows are packed into runs of `runBytes`, sorted,
/// and spilled to an unlinked temporary file in `directory` (nil: kept in memory). The
/// totals and the orders `request` asks for are collected on the way. More than
/// `maxRows` data rows stop the read with `UnpaidExportError.tooManyRows`; a row of
/// another organization with `UnpaidExportError.otherOrganization`.
public func readSortedExport(at path: String, organizationID: Int64, spillingTo directory: String?,
                             maxRows: Int? = nil, highlighting request: OrderHighlights.Request = .none,
                             runBytes: Int = OrderSorter.defaultRunBytes, aliases: [String: [String]] = [:],
                             limits: XLSXLimits = XLSXLimits()) throws -> SortedOrders {
    let sorter = OrderSorter(spillingTo: directory, runBytes: runBytes, highlighting: request)
    try scanPacked(at: path, aliases: aliases, limits: limits) { row, decoding in
        guard row.organizationID == organizationID else {
            throw UnpaidExportError.otherOrganization(file: path, row: row.number, requested: organizationID,
                                                      found: row.organizationID)
        }
        try refuseBeyond(maxRows, count: sorter.count, file: path)
        try row.append(to: sorter, using: decoding)
    }
    return try sorter.finish().orders(of: organizationID)
}

/// Every organization's orders of an export, sorted as `readSortedExport` sorts them.
public func readSortedExports(at path: String, spillingTo directory: String?, maxRows: Int? = nil,
                              runBytes: Int = OrderSorter.defaultRunBytes, aliases: [String: [String]] = [:],
                              limits: XLSXLimits = XLSXLimits()) throws -> SortedExport {
    let sorter = OrderSorter(spillingTo: directory, runBytes: runBytes)
    try scanPacked(at: path, aliases: aliases, limits: limits) { row, decoding in
        try refuseBeyond(maxRows, count: sorter.count, file: path)
        try row.append(to: sorter, using: decoding)
    }
    return try sorter.finish()
}

private func refuseBeyond(_ maxRows: Int?, count: Int, file: String) throws {
    if let maxRows, count >= maxRows { throw UnpaidExportError.tooManyRows(file: file, limit: maxRows) }
}

/// Every organization's orders of an export, packed as `readPackedExport` packs them.
public func readPackedExports(at path: String, aliases: [String: [String]] = [:],
                              limits: XLSXLimits = XLSXLimits()) throws -> [Int64: PackedOrders] {
    var byOrganization: [Int64: PackedOrders] = [:]
    try scanPacked(at: path, aliases: aliases, limits: limits) { row, decoding in
        row.append(to: &byOrganization[row.organizationID, default: PackedOrders(organizationID: row.organizationID)],
                   using: decoding)
    }
    return byOrganization
}

/// One data row's decoded values, its texts still in the reader's buffer.
private struct RowToPack {
    let row: XLSXRow
    let organizationID: Int64
    let orderNo: UnsafeBufferPointer<UInt8>
    let currency: String
    let amount: Money
    let startTime: Int64?

    var number: Int { row.number }

    func append(to sorter: OrderSorter, using decoding: CellDecoding) throws {
        try sorter.append(organizationID: organizationID, currency: currency, amount: amount, startTime: startTime) {
            field, add in
            switch field {
            case .orderNo: add(orderNo)
            case .productCode: add(decoding.optionalBytes(row, .productCode))
            case .resourceID: add(decoding.optionalBytes(row, .resourceID))
            case .modelID: add(decoding.optionalBytes(row, .modelID))
            }
        }
    }

    /// `decoding` is the scan's own, passed rather than kept: a copy per row costs retains.
    func append(to orders: inout PackedOrders, using decoding: CellDecoding) {
        orders.append(currency: currency, amount: amount, startTime: startTime) { field, add in
            switch field {
            case .orderNo: add(orderNo)
            case .productCode: add(decoding.optionalBytes(row, .productCode))
            case .resourceID: add(decoding.optionalBytes(row, .resourceID))
            case .modelID: add(decoding.optionalBytes(row, .modelID))
            }
        }
    }
}

private func scanPacked(at path: String, aliases: [String: [String]], limits: XLSXLimits,
                        onRow: (RowToPack, CellDecoding) throws -> Void) throws {
    _ = try scanExport(at: path, aliases: aliases, limits: limits) { row, decoding, _ in
        let organizationID = try decoding.organizationID(row)
        let orderNo = try decoding.requiredBytes(row, .orderNo)
        let currency = try decoding.currency(row), amount = try decoding.amount(row)
        try onRow(RowToPack(row: row, organizationID: organizationID, orderNo: orderNo,
                            currency: currency, amount: amount, startTime: try decoding.startTime(row)), decoding)
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
