/// What a cell holds, as the file says it (no number formats applied: a date-styled
/// cell is a number, the serial day).
public enum CellKind: UInt8, Sendable {
    /// Shared, inline (`inlineStr`), formula-result (`str`) or ISO-date (`d`) text.
    case text
    /// A number, kept as the exact text of the file.
    case number
    case boolean
    /// An error value such as `#N/A`.
    case error
    /// Internal: resolved to `.text` before anyone sees it.
    case sharedString
}

public enum CellValue: Sendable, Hashable {
    case text(String)
    /// The number's exact text as written (`66355.05885099999`, `1E-3`): never a Double.
    case number(String)
    case bool(Bool)
    case error(String)
}

/// One row, valid only inside the `forEachRow` closure that receives it (it points into
/// the reader's buffer). Columns are 0-based (`A` is 0). Nothing is decoded until asked.
public struct XLSXRow {
    unowned(unsafe) let scanner: SheetScanner

    /// 1-based row number, from `r` or counted.
    public var number: Int { scanner.rowNumber }
    /// One past the last column that has a value.
    public var columnCount: Int { scanner.columnCount }
    public var isEmpty: Bool { scanner.columnCount == 0 }

    public func kind(at column: Int) -> CellKind? { scanner.slot(at: column)?.kind }

    /// The cell's decoded UTF-8 (shared strings resolved, escapes decoded; `0`/`1` for
    /// booleans), without making a String. Nil for an empty cell.
    @inlinable
    public func withCellBytes<R>(at column: Int, _ body: (CellKind, UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R? {
        guard let cell = bytes(at: column) else { return nil }
        return try body(cell.kind, cell.bytes)
    }

    /// The cell's decoded UTF-8; the pointer is valid only until `forEachRow`'s closure
    /// returns for this row. The cheapest accessor: no closure, no copy for plain cells.
    public func bytes(at column: Int) -> (kind: CellKind, bytes: UnsafeBufferPointer<UInt8>)? {
        scanner.cellBytes(at: column)
    }

    public func cell(at column: Int) -> CellValue? {
        withCellBytes(at: column) { kind, bytes -> CellValue in
            let text = String(decoding: bytes, as: UTF8.self)
            switch kind {
            case .text, .sharedString: return .text(text)
            case .number: return .number(text)
            case .boolean: return .bool(text == "1" || text == "true")
            case .error: return .error(text)
            }
        }
    }

    /// Any cell as display text: numbers as written, booleans as `TRUE`/`FALSE`.
    public func text(at column: Int) -> String? {
        switch cell(at: column) {
        case let .text(text)?, let .number(text)?, let .error(text)?: return text
        case let .bool(value)?: return value ? "TRUE" : "FALSE"
        case nil: return nil
        }
    }

    /// The exact text of a numeric cell; nil for empty or non-numeric cells.
    public func numberText(at column: Int) -> String? {
        guard kind(at: column) == .number else { return nil }
        return text(at: column)
    }

    /// Every column from A to the last value; empty cells are nil.
    public var cells: [CellValue?] { (0..<columnCount).map { cell(at: $0) } }
}
