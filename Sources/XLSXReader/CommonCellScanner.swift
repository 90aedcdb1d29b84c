/// The fast path for the cell shapes real writers emit (xlsxwriter, openpyxl, Excel):
/// `<c r="B2" t="…" s="…">` holding `<v>text</v>` or `<is><t>text</t></is>`, or nothing.
/// It reads each tag once, byte by byte, where the general tokenizer would tokenize every
/// tag and then search its attributes again, and leaves the text unexamined until a cell
/// is read (most columns never are). Anything else (prefixes, single quotes,
/// escapes, rich text, a cell cut off by the window) is left to the general path, which
/// gives the same result, so this only changes speed.
extension SheetScanner {
    enum CommonCell {
        /// A cell was recorded (or was empty); scanning goes on at `next`.
        case cell(next: Int, column: Int)
        /// `</row>`: the row ends before `next`.
        case rowEnd(next: Int)
        /// Not one of the common shapes: use the general path from the same position.
        case unusual
    }

    @inline(__always)
    func scanCommonCell(_ base: UnsafePointer<UInt8>, end: Int, at start: Int, nextColumn: Int) throws(XLSXError) -> CommonCell {
        guard start + 6 <= end, base[start] == UInt8(ascii: "<") else { return .unusual }
        if base[start + 1] == UInt8(ascii: "/") {
            return matches(base, end, start, "</row>") ? .rowEnd(next: start + 6) : .unusual
        }
        guard base[start + 1] == UInt8(ascii: "c"), base[start + 2] == UInt8(ascii: " ") else { return .unusual }
        var cursor = start + 3
        var column = nextColumn
        var kindRange: Range<Int>? = nil
        var sawReference = false
        var selfClosing = false
        while true {
            guard cursor < end else { return .unusual }
            let byte = base[cursor]
            if byte == UInt8(ascii: " ") { cursor += 1; continue }
            if byte == UInt8(ascii: ">") { cursor += 1; break }
            if byte == UInt8(ascii: "/") {
                guard cursor + 1 < end, base[cursor + 1] == UInt8(ascii: ">") else { return .unusual }
                cursor += 2
                selfClosing = true
                break
            }
            let nameStart = cursor
            while cursor < end, base[cursor] != UInt8(ascii: "=") {
                let nameByte = base[cursor]
                guard nameByte > 0x20, nameByte != UInt8(ascii: ":"), nameByte != UInt8(ascii: ">"),
                      nameByte != UInt8(ascii: "/") else { return .unusual }
                cursor += 1
            }
            guard cursor + 1 < end, base[cursor + 1] == UInt8(ascii: "\"") else { return .unusual }
            let valueStart = cursor + 2
            var valueEnd = valueStart
            while valueEnd < end, base[valueEnd] != UInt8(ascii: "\"") { valueEnd += 1 }
            guard valueEnd < end else { return .unusual }
            if cursor - nameStart == 1 {
                switch base[nameStart] {
                case UInt8(ascii: "r"):
                    // A repeated attribute is malformed; the general path decides what it means.
                    guard !sawReference else { return .unusual }
                    sawReference = true
                    column = columnIndex(base, valueStart..<valueEnd) ?? nextColumn
                case UInt8(ascii: "t"):
                    guard kindRange == nil else { return .unusual }
                    kindRange = valueStart..<valueEnd
                default:
                    break
                }
            }
            cursor = valueEnd + 1
        }
        guard column < limits.maxColumns else {
            throw .tooManyColumns(part: part, row: rowNumber, column: column + 1, limit: limits.maxColumns)
        }
        if selfClosing { return .cell(next: cursor, column: column) }
        if matches(base, end, cursor, "</c>") { return .cell(next: cursor + 4, column: column) }

        if matches(base, end, cursor, "<v>") {
            guard let lt = find(base, end, UInt8(ascii: "<"), from: cursor + 3), matches(base, end, lt, "</v></c>") else { return .unusual }
            let kind = kindRange.map { cellKind(base, $0) } ?? .number
            if kind == .sharedString {
                if var slot = try valueSlot(base, kind: kind, range: (cursor + 3)..<lt, column: column) {
                    slot.stamp = stamp
                    try store(slot, at: column)
                }
            } else if lt > cursor + 3 {
                try store(CellSlot(stamp: stamp, kind: kind, encoding: .unexaminedValue, start: Int32(cursor + 3), end: Int32(lt)),
                          at: column)
            }
            return .cell(next: lt + 8, column: column)
        }
        if matches(base, end, cursor, "<is><t>") {
            guard let lt = find(base, end, UInt8(ascii: "<"), from: cursor + 7), matches(base, end, lt, "</t></is></c>") else { return .unusual }
            try store(CellSlot(stamp: stamp, kind: .text, encoding: .unexaminedInlineText, start: Int32(cursor + 7), end: Int32(lt)),
                      at: column)
            return .cell(next: lt + 13, column: column)
        }
        return .unusual
    }

    @inline(__always)
    private func matches(_ base: UnsafePointer<UInt8>, _ end: Int, _ offset: Int, _ pattern: StaticString) -> Bool {
        let count = pattern.utf8CodeUnitCount
        guard offset + count <= end else { return false }
        let bytes = pattern.utf8Start
        for index in 0..<count where base[offset + index] != bytes[index] { return false }
        return true
    }

    @inline(__always)
    private func find(_ base: UnsafePointer<UInt8>, _ end: Int, _ byte: UInt8, from: Int) -> Int? {
        XMLTokenizer(base: base, end: end, part: part).find(byte, from: from)
    }
}
