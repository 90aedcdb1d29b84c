import UnpaidCore
import XLSXReader

public enum ExportFormat: String, Sendable, CaseIterable {
    /// RFC 4180: CRLF line ends, fields quoted when they hold a comma, quote, CR or LF.
    case csv
    /// One JSON object per row, keyed by header text; numbers stay exact JSON numbers.
    case jsonl
}

/// Writes every row of an export's first worksheet (all columns, header first) as CSV or
/// JSON Lines, so finance can open or pipe it without Excel.
public struct ExportConverter: Sendable {
    public var format: ExportFormat
    public var limits: XLSXLimits

    public init(format: ExportFormat, limits: XLSXLimits = XLSXLimits()) {
        self.format = format
        self.limits = limits
    }

    /// Converts `inputPath`; writes to `outputPath`, or standard output when nil.
    /// Returns the number of data rows written (the header row excluded).
    @discardableResult
    public func convert(xlsxAt inputPath: String, to outputPath: String? = nil) throws -> Int {
        let reader = try XLSXReader(path: inputPath, limits: limits)
        let sink = try OutputSink(path: outputPath)
        var keys: [String]? = nil
        var rows = 0
        try reader.forEachRow { row in
            guard !row.isEmpty else { return }
            guard let headerKeys = keys else {
                let headers = (0..<row.columnCount).map { row.text(at: $0) ?? "" }
                keys = headers.enumerated().map { $1.isEmpty ? columnLetter($0) : $1 }
                if format == .csv { try sink.write(csvLine(headers.map { $0 })) }
                return
            }
            switch format {
            case .csv:
                let width = max(headerKeys.count, row.columnCount)
                try sink.write(csvLine((0..<width).map { row.text(at: $0) ?? "" }))
            case .jsonl:
                try sink.write(jsonLine(row, keys: headerKeys))
            }
            rows += 1
        }
        try sink.commit()
        return rows
    }

    private func csvLine(_ fields: [String]) -> String {
        fields.map(csvField).joined(separator: ",") + "\r\n"
    }

    private func csvField(_ field: String) -> String {
        guard field.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return field }
        return "\"" + field.replacing("\"", with: "\"\"") + "\""
    }

    private func jsonLine(_ row: XLSXRow, keys: [String]) -> String {
        let width = max(keys.count, row.columnCount)
        var members: [String] = []
        members.reserveCapacity(width)
        for column in 0..<width {
            let key = column < keys.count ? keys[column] : columnLetter(column)
            let value: String
            switch row.cell(at: column) {
            case nil: value = "null"
            case let .text(text)?, let .error(text)?: value = JSONText.quoted(text)
            case let .number(text)?: value = isJSONNumber(text) ? text : JSONText.quoted(text)
            case let .bool(flag)?: value = flag ? "true" : "false"
            }
            members.append(JSONText.quoted(key) + ":" + value)
        }
        return "{" + members.joined(separator: ",") + "}\n"
    }
}

/// JSON's number grammar: `-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`.
func isJSONNumber(_ text: String) -> Bool {
    var bytes = Array(text.utf8)[...]
    if bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
    func digits(_ slice: inout ArraySlice<UInt8>) -> Int {
        let count = slice.prefix { $0 >= 0x30 && $0 <= 0x39 }.count
        slice = slice.dropFirst(count)
        return count
    }
    let leadingZero = bytes.first == 0x30
    let integerDigits = digits(&bytes)
    guard integerDigits > 0, !(leadingZero && integerDigits > 1) else { return false }
    if bytes.first == UInt8(ascii: ".") {
        bytes = bytes.dropFirst()
        guard digits(&bytes) > 0 else { return false }
    }
    if bytes.first == UInt8(ascii: "e") || bytes.first == UInt8(ascii: "E") {
        bytes = bytes.dropFirst()
        if bytes.first == UInt8(ascii: "+") || bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        guard digits(&bytes) > 0 else { return false }
    }
    return bytes.isEmpty
}
