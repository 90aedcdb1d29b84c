import UnpaidCore

/// One value of a report row. Money stays exact text in every format, JSON included:
/// a JSON number would invite binary floating point.
public enum ReportCell: Sendable, Hashable {
    case text(String)
    case integer(Int64)
    case money(Money)
    case missing

    /// The text of the cell in a table or CSV; empty when missing.
    public var plain: String {
        switch self {
        case .text(let text): text
        case .integer(let number): String(number)
        case .money(let money): money.description
        case .missing: ""
        }
    }

    public var json: String {
        switch self {
        case .text(let text): JSONText.quoted(text)
        case .integer(let number): String(number)
        case .money(let money): JSONText.quoted(money.description)
        case .missing: "null"
        }
    }

    var alignsRight: Bool {
        switch self {
        case .integer, .money: true
        case .text, .missing: false
        }
    }
}

/// A second, small table after the rows: the totals a listing must add up to, a
/// roll-forward's summary. Tables print it under the rows, JSON under its `name`,
/// JSON Lines as a last object `{name: [...]}`; CSV keeps to the rows.
public struct ReportTrailer: Sendable, Hashable {
    public var name: String
    public var columns: [String]
    public var rows: [[ReportCell]]

    public init(name: String, columns: [String], rows: [[ReportCell]]) {
        self.name = name
        self.columns = columns
        self.rows = rows
    }
}
