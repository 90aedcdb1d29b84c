import UnpaidCore

/// One row's cells, encoded in the writer's format as they are given: a million-row
/// listing then makes no String, array or enum per cell, only bytes in a buffer that
/// every row reuses. `ReportCell` rows go through the same encoding.
public struct RowCells {
    enum Encoding {
        case csv
        /// JSON object members; `keys` are the quoted column names with their colon.
        case jsonObject(keys: [[UInt8]])
        /// Kept as cells, for writers that need every row before they write (tables).
        case cells
    }

    let encoding: Encoding
    let bytes = RowBytes()
    private(set) var cells: [ReportCell] = []
    private(set) var count = 0

    init(_ encoding: Encoding) {
        self.encoding = encoding
    }

    /// Empties the row, keeping the buffer; `prefix` goes before its first cell.
    mutating func start(prefix: StaticString = "") {
        bytes.removeAll()
        cells = []
        count = 0
        append(prefix)
        if case .jsonObject = encoding { bytes.append(UInt8(ascii: "{")) }
    }

    /// Closes the row with `suffix` (a line end).
    mutating func end(suffix: StaticString) {
        if case .jsonObject = encoding { bytes.append(UInt8(ascii: "}")) }
        append(suffix)
    }

    public mutating func text(_ text: UnsafeBufferPointer<UInt8>) {
        switch encoding {
        case .csv:
            separate()
            CSVField.append(text, to: bytes)
        case .jsonObject:
            separate()
            JSONString.append(text, to: bytes)
        case .cells:
            cells.append(.text(String(decoding: text, as: UTF8.self)))
            count += 1
        }
    }

    public mutating func text(_ text: String) {
        if case .cells = encoding {
            cells.append(.text(text))
            count += 1
            return
        }
        var text = text
        text.withUTF8 { self.text($0) }
    }

    /// The text, or a missing cell for nil.
    public mutating func text(_ text: UnsafeBufferPointer<UInt8>?) {
        if let text { self.text(text) } else { missing() }
    }

    public mutating func integer(_ value: Int64) {
        if case .cells = encoding {
            cells.append(.integer(value))
            count += 1
            return
        }
        separate()
        DecimalDigits.append(value, to: bytes)
    }

    /// Exact decimal text; quoted in JSON, where a number would invite binary floating point.
    public mutating func money(_ value: Money) {
        switch encoding {
        case .csv:
            separate()
            DecimalDigits.append(value, to: bytes)
        case .jsonObject:
            separate()
            bytes.append(UInt8(ascii: "\""))
            DecimalDigits.append(value, to: bytes)
            bytes.append(UInt8(ascii: "\""))
        case .cells:
            cells.append(.money(value))
            count += 1
        }
    }

    public mutating func missing() {
        switch encoding {
        case .csv: separate()
        case .jsonObject:
            separate()
            append("null")
        case .cells:
            cells.append(.missing)
            count += 1
        }
    }

    public mutating func cell(_ cell: ReportCell) {
        switch cell {
        case .text(let text): self.text(text)
        case .integer(let number): integer(number)
        case .money(let money): self.money(money)
        case .missing: missing()
        }
    }

    /// The separator before every cell but the first, and a JSON member's key.
    private mutating func separate() {
        switch encoding {
        case .csv:
            if count > 0 { bytes.append(UInt8(ascii: ",")) }
        case .jsonObject(let keys):
            if count > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: keys[count])
        case .cells: break
        }
        count += 1
    }

    private mutating func append(_ text: StaticString) {
        bytes.append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }
}

/// A row's bytes: appended to with one capacity check and a copy, without an array's
/// uniqueness check and generic append per call, a dozen times per row.
final class RowBytes {
    private var start: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int = 1_024) {
        start = .allocate(capacity: capacity)
        self.capacity = capacity
    }

    deinit { start.deallocate() }

    var contents: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: start, count: count) }

    func removeAll() { count = 0 }

    func append(_ byte: UInt8) {
        reserve(1)
        start[count] = byte
        count += 1
    }

    func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(bytes.count)
        (start + count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    func append(contentsOf bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { append($0) }
    }

    private func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: max(capacity * 2, count + extra))
        grown.update(from: start, count: count)
        start.deallocate()
        start = grown
        capacity = max(capacity * 2, count + extra)
    }
}

/// RFC 4180 fields: quoted, with quotes doubled, only when they contain a comma, a quote or a line break.
enum CSVField {
    /// Bit b set: byte b (below 64) makes a field quoted: `,`, `"`, LF, CR.
    private static let quotedBytes: UInt64 = 1 << 0x2C | 1 << 0x22 | 1 << 0x0A | 1 << 0x0D

    static func append(_ text: UnsafeBufferPointer<UInt8>, to bytes: RowBytes) {
        guard needsQuotes(text) else {
            bytes.append(text)
            return
        }
        bytes.append(UInt8(ascii: "\""))
        for byte in text {
            if byte == UInt8(ascii: "\"") { bytes.append(byte) }
            bytes.append(byte)
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Eight bytes at a time where it can: the scan ran over every byte of a million rows.
    static func needsQuotes(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = text.baseAddress else { return false }
        var index = 0
        let raw = UnsafeRawPointer(base)
        while index + 8 <= text.count {
            let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            if hasByte(word, 0x2C) || hasByte(word, 0x22) || hasByte(word, 0x0A) || hasByte(word, 0x0D) { return true }
            index += 8
        }
        while index < text.count {
            let byte = text[index]
            if byte < 64 && quotedBytes >> byte & 1 != 0 { return true }
            index += 1
        }
        return false
    }

    /// Whether any byte of `word` equals `byte` (the "has zero byte" bit trick on word ^ pattern).
    private static func hasByte(_ word: UInt64, _ byte: UInt8) -> Bool {
        let x = word ^ (0x0101_0101_0101_0101 &* UInt64(byte))
        return (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080 != 0
    }
}

/// A JSON string from UTF-8 bytes, escaped as `JSONText.quoted` escapes a String.
enum JSONString {
    static func append(_ text: UnsafeBufferPointer<UInt8>, to bytes: RowBytes) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(byte)
            case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                          hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

/// Integers and amounts as decimal digits, written straight into the row's bytes.
enum DecimalDigits {
    static func append(_ value: Int64, to bytes: RowBytes) {
        append(Money(units: Int128(value), scale: 0), to: bytes)
    }

    /// As `Money.description`: its own scale, at least one digit before the point.
    static func append(_ money: Money, to bytes: RowBytes) {
        money.withDecimalText { bytes.append($0) }
    }
}
