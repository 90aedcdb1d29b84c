import UnpaidCore

/// How rows are written: `table` for people, `csv` for spreadsheets, `jsonl` and `json`
/// for programs.
public enum RowFormat: String, Sendable, CaseIterable {
    case table, csv, jsonl, json

    /// A writer of rows with these columns to `output`. Every format but `table` writes
    /// each row as it comes, so a million rows never sit in memory.
    public func writer(columns: [String], to output: ReportOutput) -> any RowWriter {
        switch self {
        case .table: AlignedTableWriter(columns: columns, output: output)
        case .csv: CSVWriter(columns: columns, output: output)
        case .jsonl: JSONLinesWriter(columns: columns, output: output)
        case .json: JSONWriter(columns: columns, output: output)
        }
    }
}

/// Rows in, bytes out, as GRDB's dump formats do it: `writeRow` per row, `finish` once.
public protocol RowWriter: SendableMetatype {
    /// Writes the row whose cells `fill` gives, in column order.
    /// - Precondition: one cell per column.
    mutating func writeRow(_ fill: (inout RowCells) -> Void) throws(ReportError)
    /// Writes what comes after the rows (the trailer, a closing bracket) and flushes.
    mutating func finish(trailer: ReportTrailer?) throws(ReportError)
}

extension RowWriter {
    /// - Precondition: one cell per column.
    public mutating func writeRow(_ cells: [ReportCell]) throws(ReportError) {
        try writeRow { row in
            for cell in cells { row.cell(cell) }
        }
    }
}

/// RFC 4180: comma-separated, CRLF line ends, fields quoted when they must be.
struct CSVWriter: RowWriter {
    let columns: [String]
    let output: ReportOutput
    private var row = RowCells(.csv)
    private var wroteHeader = false

    init(columns: [String], output: ReportOutput) {
        self.columns = columns
        self.output = output
    }

    mutating func writeRow(_ fill: (inout RowCells) -> Void) throws(ReportError) {
        try writeHeaderOnce()
        row.start()
        fill(&row)
        precondition(row.count == columns.count, "a row needs \(columns.count) cells")
        row.end(suffix: "\r\n")
        try output.write(bytes: row.bytes.contents)
    }

    mutating func finish(trailer: ReportTrailer?) throws(ReportError) {
        try writeHeaderOnce()
        try output.flush()
    }

    private mutating func writeHeaderOnce() throws(ReportError) {
        guard !wroteHeader else { return }
        wroteHeader = true
        row.start()
        for column in columns { row.text(column) }
        row.end(suffix: "\r\n")
        try output.write(bytes: row.bytes.contents)
    }
}

/// One JSON object per line, keys in column order.
struct JSONLinesWriter: RowWriter {
    let columns: [String]
    let output: ReportOutput
    private var row: RowCells

    init(columns: [String], output: ReportOutput) {
        self.columns = columns
        self.output = output
        row = RowCells(.jsonObject(keys: columns.map { Array((JSONText.quoted($0) + ":").utf8) }))
    }

    mutating func writeRow(_ fill: (inout RowCells) -> Void) throws(ReportError) {
        row.start()
        fill(&row)
        precondition(row.count == columns.count, "a row needs \(columns.count) cells")
        row.end(suffix: "\n")
        try output.write(bytes: row.bytes.contents)
    }

    mutating func finish(trailer: ReportTrailer?) throws(ReportError) {
        if let trailer { try output.write("{" + JSONObject.member(trailer) + "}\n") }
        try output.flush()
    }
}

/// One JSON object: `{"rows": [...]}`, and the trailer under its name.
struct JSONWriter: RowWriter {
    let columns: [String]
    let output: ReportOutput
    private var row: RowCells
    private var rows = 0

    init(columns: [String], output: ReportOutput) {
        self.columns = columns
        self.output = output
        row = RowCells(.jsonObject(keys: columns.map { Array((JSONText.quoted($0) + ":").utf8) }))
    }

    mutating func writeRow(_ fill: (inout RowCells) -> Void) throws(ReportError) {
        row.start(prefix: rows == 0 ? "{\"rows\":[\n" : ",\n")
        fill(&row)
        precondition(row.count == columns.count, "a row needs \(columns.count) cells")
        row.end(suffix: "")
        try output.write(bytes: row.bytes.contents)
        rows += 1
    }

    mutating func finish(trailer: ReportTrailer?) throws(ReportError) {
        try output.write(rows == 0 ? "{\"rows\":[]" : "\n]")
        if let trailer { try output.write(",\n" + JSONObject.member(trailer)) }
        try output.write("}\n")
        try output.flush()
    }
}

enum JSONObject {
    static func text(keys: [String], cells: [ReportCell]) -> String {
        var text = "{"
        for index in cells.indices {
            if index > 0 { text += "," }
            text += keys[index] + cells[index].json
        }
        return text + "}"
    }

    /// `"name":[{...},...]`
    static func member(_ trailer: ReportTrailer) -> String {
        let keys = trailer.columns.map { JSONText.quoted($0) + ":" }
        return JSONText.quoted(trailer.name) + ":[" + trailer.rows.map { text(keys: keys, cells: $0) }.joined(separator: ",") + "]"
    }
}

/// Columns padded to their widest cell, numbers right-aligned; it keeps every row until
/// `finish`, since widths need them all.
struct AlignedTableWriter: RowWriter {
    let columns: [String]
    let output: ReportOutput
    private var rows: [[ReportCell]] = []
    private var row = RowCells(.cells)

    init(columns: [String], output: ReportOutput) {
        self.columns = columns
        self.output = output
    }

    mutating func writeRow(_ fill: (inout RowCells) -> Void) throws(ReportError) {
        row.start()
        fill(&row)
        precondition(row.count == columns.count, "a row needs \(columns.count) cells")
        rows.append(row.cells)
    }

    mutating func finish(trailer: ReportTrailer?) throws(ReportError) {
        try output.write(Self.render(columns: columns, rows: rows))
        if let trailer {
            try output.write("\n" + Self.render(columns: trailer.columns, rows: trailer.rows))
        }
        try output.flush()
    }

    static func render(columns: [String], rows: [[ReportCell]]) -> String {
        var widths = columns.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.plain.count) }
        }
        func line(_ cells: [String], rightAligned: [Bool]) -> String {
            var text = cells.enumerated().map { index, cell in
                let padding = String(repeating: " ", count: widths[index] - cell.count)
                return rightAligned[index] ? padding + cell : cell + padding
            }.joined(separator: "  ")
            while text.last == " " { text.removeLast() }
            return text
        }
        // A numeric column's header sits over its numbers.
        var lines = [line(columns, rightAligned: rows.first?.map(\.alignsRight) ?? columns.map { _ in false })]
        lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        for row in rows { lines.append(line(row.map(\.plain), rightAligned: row.map(\.alignsRight))) }
        if rows.isEmpty { lines.append("(none)") }
        return lines.joined(separator: "\n") + "\n"
    }
}
