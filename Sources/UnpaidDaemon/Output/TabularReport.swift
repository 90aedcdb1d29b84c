import Foundation
import UnpaidCore

/// Rows for people (`table`), spreadsheets (`csv`) and programs (`json`), from one model.
public struct TabularReport: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case table, csv, json
    }

    public enum Cell: Sendable, Equatable {
        case text(String)
        case integer(Int64)
        /// Money stays text in JSON too: a JSON number would invite binary floating point.
        case money(Money)
        case missing

        var plain: String {
            switch self {
            case .text(let text): text
            case .integer(let number): String(number)
            case .money(let money): money.description
            case .missing: ""
            }
        }

        var alignsRight: Bool {
            switch self {
            case .integer, .money: true
            case .text, .missing: false
            }
        }
    }

    public let columns: [String]
    public private(set) var rows: [[Cell]] = []

    public init(columns: [String]) {
        self.columns = columns
    }

    public mutating func append(_ row: [Cell]) {
        precondition(row.count == columns.count, "a report row needs \(columns.count) cells")
        rows.append(row)
    }

    public func render(_ format: Format) -> String {
        switch format {
        case .table: renderTable()
        case .csv: renderCSV()
        case .json: renderJSON()
        }
    }

    private func renderTable() -> String {
        var widths = columns.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.plain.count) }
        }
        func line(_ cells: [String], rightAligned: [Bool]) -> String {
            cells.enumerated().map { index, text in
                let padding = String(repeating: " ", count: widths[index] - text.count)
                return rightAligned[index] ? padding + text : text + padding
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        var lines = [line(columns, rightAligned: columns.map { _ in false })]
        lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        for row in rows { lines.append(line(row.map(\.plain), rightAligned: row.map(\.alignsRight))) }
        if rows.isEmpty { lines.append("(none)") }
        return lines.joined(separator: "\n") + "\n"
    }

    private func renderCSV() -> String {
        func field(_ text: String) -> String {
            guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        var lines = [columns.map(field).joined(separator: ",")]
        for row in rows { lines.append(row.map { field($0.plain) }.joined(separator: ",")) }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    private func renderJSON() -> String {
        let objects = rows.map { row in
            "{" + zip(columns, row).map { name, cell in
                let value: String
                switch cell {
                case .text(let text): value = JSONText.quoted(text)
                case .integer(let number): value = String(number)
                case .money(let money): value = JSONText.quoted(money.description)
                case .missing: value = "null"
                }
                return JSONText.quoted(name) + ":" + value
            }.joined(separator: ",") + "}"
        }
        return "[" + objects.joined(separator: ",\n ") + "]\n"
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}
