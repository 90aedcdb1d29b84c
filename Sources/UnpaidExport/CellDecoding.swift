#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import UnpaidCore
import XLSXReader

/// Reads typed values out of a row's cells without making Strings on the happy path.
struct CellDecoding {
    let file: String
    let map: ColumnMap
    private var currencies: [(bytes: [UInt8], text: String)] = []
    /// The required columns, looked up once rather than on every row.
    let orderNoColumn: DetectedColumn
    private let organizationColumn: DetectedColumn
    private let amountColumn: DetectedColumn
    private let currencyColumn: DetectedColumn

    init(file: String, map: ColumnMap) {
        self.file = file
        self.map = map
        // ColumnMap refuses a header without the required fields, so these exist.
        orderNoColumn = map[.orderNo]!
        organizationColumn = map[.organizationID]!
        amountColumn = map[.orderTotalPrice]!
        currencyColumn = map[.currency]!
    }

    /// True when every mapped column of the row is empty: such rows are padding, not orders.
    func isBlank(_ row: XLSXRow) -> Bool {
        map.columns.allSatisfy { column in
            row.withCellBytes(at: column.index) { _, bytes in trimmed(bytes).isEmpty } ?? true
        }
    }

    func requiredText(_ row: XLSXRow, _ field: ExportField) throws(UnpaidExportError) -> String {
        let column = map[field]!
        guard let text = optionalText(row, field) else {
            throw .missingValue(file: file, row: row.number, header: column.header)
        }
        return text
    }

    func optionalText(_ row: XLSXRow, _ field: ExportField) -> String? {
        guard let index = map.index(of: field) else { return nil }
        let text = row.withCellBytes(at: index) { _, bytes in String(decoding: trimmed(bytes), as: UTF8.self) }
        return text?.isEmpty == false ? text : nil
    }

    /// The trimmed bytes of a text field, valid while the row is; nil when empty or unmapped.
    func optionalBytes(_ row: XLSXRow, _ field: ExportField) -> UnsafeBufferPointer<UInt8>? {
        guard let index = map.index(of: field), let cell = row.bytes(at: index) else { return nil }
        let text = trimmed(cell.bytes)
        return text.isEmpty ? nil : text
    }

    func requiredBytes(_ row: XLSXRow, _ field: ExportField) throws(UnpaidExportError) -> UnsafeBufferPointer<UInt8> {
        guard let bytes = optionalBytes(row, field) else {
            throw .missingValue(file: file, row: row.number, header: map[field]!.header)
        }
        return bytes
    }

    func organizationID(_ row: XLSXRow) throws(UnpaidExportError) -> Int64 {
        let column = organizationColumn
        let value = row.withCellBytes(at: column.index) { kind, bytes in integer(trimmed(bytes), isNumber: kind == .number) }
        guard let value else { throw badValue(row, column, UnpaidExportError.badOrganizationID) }
        guard let id = value else { throw badValue(row, column, UnpaidExportError.badOrganizationID) }
        return id
    }

    func startTime(_ row: XLSXRow) throws(UnpaidExportError) -> Int64? {
        guard let column = map[.startTime] else { return nil }
        let value = row.withCellBytes(at: column.index) { kind, bytes -> Int64?? in
            let text = trimmed(bytes)
            return text.isEmpty ? .some(nil) : integer(text, isNumber: kind == .number).map { $0 }
        }
        guard let value else { return nil }
        guard let seconds = value else { throw badValue(row, column, UnpaidExportError.badStartTime) }
        return seconds
    }

    /// Text cells are exact decimals; numeric cells hold a double, whose shortest decimal
    /// form is the amount the file was written from.
    func amount(_ row: XLSXRow) throws(UnpaidExportError) -> Money {
        let column = amountColumn
        let value = row.withCellBytes(at: column.index) { kind, bytes -> Money? in
            let text = trimmed(bytes)
            if kind == .number { return double(text).flatMap { Money(shortestRepresentationOf: $0) } }
            return Money(decimalBytes: text)
        }
        guard let value else { throw .missingValue(file: file, row: row.number, header: column.header) }
        guard let money = value else { throw badValue(row, column, UnpaidExportError.badAmount) }
        return money
    }

    /// Currency codes repeat on every row: the String is made once per distinct code.
    mutating func currency(_ row: XLSXRow) throws(UnpaidExportError) -> String {
        let column = currencyColumn
        let found = row.withCellBytes(at: column.index) { _, bytes -> String? in
            let text = trimmed(bytes)
            if text.isEmpty { return nil }
            for entry in currencies where entry.bytes.elementsEqual(text) { return entry.text }
            let string = String(decoding: text, as: UTF8.self)
            currencies.append((Array(text), string))
            return string
        }
        guard let found, let code = found else { throw .missingValue(file: file, row: row.number, header: column.header) }
        return code
    }

    private func badValue(_ row: XLSXRow, _ column: DetectedColumn,
                          _ make: (String, Int, String, String) -> UnpaidExportError) -> UnpaidExportError {
        let seen = row.text(at: column.index) ?? ""
        if seen.trimmingSpaces.isEmpty { return .missingValue(file: file, row: row.number, header: column.header) }
        return make(file, row.number, column.header, seen)
    }
}

func trimmed(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
    var lower = 0
    var upper = bytes.count
    while lower < upper, bytes[lower] <= 0x20 { lower += 1 }
    while upper > lower, bytes[upper - 1] <= 0x20 { upper -= 1 }
    return UnsafeBufferPointer(rebasing: bytes[lower..<upper])
}

/// Digits with an optional sign; a numeric cell may also be an integral double (`1.0E5`).
func integer(_ bytes: UnsafeBufferPointer<UInt8>, isNumber: Bool) -> Int64? {
    var index = 0
    var negative = false
    if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
        negative = bytes[index] == UInt8(ascii: "-")
        index += 1
    }
    var value: Int64 = 0
    var digits = 0
    while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
        let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
        let (added, overflow2) = shifted.addingReportingOverflow(Int64(bytes[index] - UInt8(ascii: "0")))
        if overflow1 || overflow2 { return nil }
        value = added
        digits += 1
        index += 1
    }
    if digits > 0, index == bytes.count { return negative ? -value : value }
    guard isNumber, let double = double(bytes), double == double.rounded(),
          abs(double) < 9.0e15 else { return nil }
    return Int64(double)
}

func double(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
    guard !bytes.isEmpty, bytes.count < 64 else { return nil }
    // strtod also takes "inf", "nan" and hex floats; a spreadsheet number is decimal only.
    for byte in bytes where byte > UInt8(ascii: "9") && byte | 0x20 != UInt8(ascii: "e") { return nil }
    return withUnsafeTemporaryAllocation(of: CChar.self, capacity: bytes.count + 1) { buffer in
        for index in 0..<bytes.count { buffer[index] = CChar(bitPattern: bytes[index]) }
        buffer[bytes.count] = 0
        var end: UnsafeMutablePointer<CChar>? = nil
        let value = strtod(buffer.baseAddress!, &end)
        guard end == buffer.baseAddress! + bytes.count, value.isFinite else { return nil }
        return value
    }
}

extension String {
    var trimmingSpaces: Substring {
        var result = self[...]
        while let first = result.first, first.isWhitespace { result.removeFirst() }
        while let last = result.last, last.isWhitespace { result.removeLast() }
        return result
    }
}
