/// Where one cell's value lies in the window, recorded while scanning the row and
/// decoded only if someone asks.
struct CellSlot {
    enum Encoding: UInt8 {
        /// `start..<end` is the value's UTF-8 as is.
        case plain
        /// Character data needing entity/CDATA decoding (and `_xHHHH_` for strings).
        case escapedText
        /// `<is>` content: `<t>` runs to concatenate.
        case richText
        /// `start` is the index into the shared-string table.
        case sharedIndex
        /// `<v>` content not yet checked for escapes: `.plain` or `.escapedText`, decided
        /// only when the cell is read, so cells nobody reads cost no byte scan.
        case unexaminedValue
        /// The raw text of `<is><t>text</t></is>` not yet checked: `.plain` once trimmed,
        /// or `.richText` over `<t>…</t>` (the `<is>` content), decided when read.
        case unexaminedInlineText
    }
    var stamp: UInt32 = 0
    var kind: CellKind = .number
    var encoding: Encoding = .plain
    var start: Int32 = 0
    var end: Int32 = 0
}

@inline(__always)
func parseDecimal(_ base: UnsafePointer<UInt8>, _ range: Range<Int>) -> Int? {
    guard !range.isEmpty, range.count <= 18 else { return nil }
    var value = 0
    for index in range {
        let digit = base[index] &- UInt8(ascii: "0")
        guard digit < 10 else { return nil }
        value = value * 10 + Int(digit)
    }
    return value
}

/// `AB12` -> 27 (0-based column); nil when the reference has no letters.
@inline(__always)
func columnIndex(_ base: UnsafePointer<UInt8>, _ range: Range<Int>) -> Int? {
    var value = 0
    var letters = 0
    for index in range {
        let byte = base[index] | 0x20
        guard byte >= UInt8(ascii: "a"), byte <= UInt8(ascii: "z") else { break }
        value = value * 26 + Int(byte - UInt8(ascii: "a") + 1)
        letters += 1
        if letters > 6 { return Int.max / 2 }
    }
    return letters == 0 ? nil : value - 1
}
