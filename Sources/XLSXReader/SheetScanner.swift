/// Pulls `<row>` elements of one worksheet out of the inflating stream.
final class SheetScanner {
    let window: ByteWindow
    let part: String
    let limits: XLSXLimits
    let sharedStrings: SharedStrings
    private var position = 0
    private var insideSheetData = false
    private var finished = false
    private(set) var slots: UnsafeMutablePointer<CellSlot>
    private var slotCapacity = 64
    /// Marks the slots written for the current row, so nothing is cleared between rows.
    private(set) var stamp: UInt32 = 0
    private(set) var rowNumber = 0
    private(set) var columnCount = 0
    private let arena = DecodeArena()

    init(window: ByteWindow, part: String, limits: XLSXLimits, sharedStrings: SharedStrings) {
        self.window = window
        self.part = part
        self.limits = limits
        self.sharedStrings = sharedStrings
        slots = .allocate(capacity: slotCapacity)
        slots.initialize(repeating: CellSlot(), count: slotCapacity)
    }

    deinit { slots.deallocate() }

    /// Advances to the next row; false after the last one.
    func nextRow() throws(XLSXError) -> Bool {
        arena.reset()
        while !finished {
            let tokenizer = XMLTokenizer(base: window.base, end: window.count, part: part)
            var keepFrom = window.count
            switch try tokenizer.nextToken(from: position) {
            case .noMarkup:
                break
            case let .incomplete(at):
                keepFrom = at
            case let .token(token):
                if !insideSheetData {
                    if tokenizer.nameIs(token, "sheetData") {
                        insideSheetData = token.kind == .start
                        finished = token.kind == .empty
                    }
                    position = token.next
                    continue
                }
                if token.kind == .end, tokenizer.nameIs(token, "sheetData") {
                    finished = true
                    continue
                }
                if token.kind != .end, tokenizer.nameIs(token, "row") {
                    if let next = try parseRow(tokenizer, token) {
                        position = next
                        return true
                    }
                    keepFrom = token.tagStart
                } else {
                    position = token.next
                    continue
                }
            }
            switch try window.refill(keepingFrom: keepFrom) {
            case .added:
                position = 0
            case .endOfEntry:
                if keepFrom < window.count, insideSheetData {
                    throw .malformedXML(part: part, detail: "the sheet ends inside row \(rowNumber + 1)")
                }
                finished = true
            case .keptTooLarge:
                throw .rowTooLarge(part: part, row: rowNumber + 1, limit: limits.maxRowBytes)
            }
        }
        return false
    }

    /// Records the row's cells; nil when the row is not complete in the window yet.
    private func parseRow(_ tokenizer: XMLTokenizer, _ rowToken: XMLToken) throws(XLSXError) -> Int? {
        let previousRow = rowNumber
        stamp &+= 1
        if stamp == 0 { resetSlots() }
        columnCount = 0
        if let range = tokenizer.attribute("r", in: rowToken), let number = parseDecimal(tokenizer.base, range) {
            rowNumber = number
        } else {
            rowNumber = previousRow + 1
        }
        if rowToken.kind == .empty { return rowToken.next }
        var position = rowToken.next
        var nextColumn = 0
        while true {
            switch try scanCommonCell(tokenizer.base, end: tokenizer.end, at: position, nextColumn: nextColumn) {
            case let .cell(next, column):
                position = next
                nextColumn = column + 1
                continue
            case let .rowEnd(next):
                return next
            case .unusual:
                break
            }
            guard case let .token(token) = try tokenizer.nextToken(from: position) else {
                rowNumber = previousRow
                return nil
            }
            if token.kind == .end {
                if tokenizer.nameIs(token, "row") { return token.next }
                position = token.next
                continue
            }
            guard token.kind == .start || token.kind == .empty else {
                position = token.next
                continue
            }
            if tokenizer.nameIs(token, "c") {
                var column = nextColumn
                if let range = tokenizer.attribute("r", in: token) { column = columnIndex(tokenizer.base, range) ?? nextColumn }
                guard column < limits.maxColumns else {
                    throw .tooManyColumns(part: part, row: rowNumber, column: column + 1, limit: limits.maxColumns)
                }
                nextColumn = column + 1
                if token.kind == .empty {
                    position = token.next
                    continue
                }
                guard let next = try parseCell(tokenizer, token, column: column) else {
                    rowNumber = previousRow
                    return nil
                }
                position = next
            } else if token.kind == .start {
                guard let next = try skipElement(tokenizer, from: token.next) else {
                    rowNumber = previousRow
                    return nil
                }
                position = next
            } else {
                position = token.next
            }
        }
    }

    private func parseCell(_ tokenizer: XMLTokenizer, _ cellToken: XMLToken, column: Int) throws(XLSXError) -> Int? {
        let kind = cellKind(tokenizer, cellToken)
        var position = cellToken.next
        var slot: CellSlot? = nil
        while true {
            guard case let .token(child) = try tokenizer.nextToken(from: position) else { return nil }
            position = child.next
            if child.kind == .end {
                if tokenizer.nameIs(child, "c") { break }
                continue
            }
            guard child.kind == .start else { continue }
            if tokenizer.nameIs(child, "v"), let end = tokenizer.find(UInt8(ascii: "<"), from: child.next),
               tokenizer.hasPrefix("</v>", at: end) {
                // The common `<v>text</v>`, without a general tokenizer pass.
                position = end + 4
                if slot == nil { slot = try valueSlot(tokenizer, kind: kind, range: child.next..<end, column: column) }
            } else if tokenizer.nameIs(child, "is"), let (text, next) = bareInlineText(tokenizer, from: child.next) {
                position = next
                slot = text
            } else if tokenizer.nameIs(child, "v") {
                guard let close = try closingTag(named: "v", tokenizer: tokenizer, from: child.next) else { return nil }
                position = close.next
                // An inline string's <is> wins over a stray <v>.
                if slot == nil { slot = try valueSlot(tokenizer, kind: kind, range: child.next..<close.tagStart, column: column) }
            } else if tokenizer.nameIs(child, "is") {
                guard let close = try closingTag(named: "is", tokenizer: tokenizer, from: child.next) else { return nil }
                position = close.next
                slot = inlineSlot(tokenizer, range: child.next..<close.tagStart)
            } else {
                guard let next = try skipElement(tokenizer, from: child.next) else { return nil }
                position = next
            }
        }
        if var slot {
            slot.stamp = stamp
            try store(slot, at: column)
        }
        return position
    }

    private func cellKind(_ tokenizer: XMLTokenizer, _ token: XMLToken) -> CellKind {
        guard let range = tokenizer.attribute("t", in: token) else { return .number }
        return cellKind(tokenizer.base, range)
    }

    /// The kind a `t` attribute value names.
    func cellKind(_ base: UnsafePointer<UInt8>, _ range: Range<Int>) -> CellKind {
        guard range.count > 0 else { return .number }
        switch base[range.lowerBound] {
        case UInt8(ascii: "s"): return range.count == 1 ? .sharedString : .text
        case UInt8(ascii: "i"), UInt8(ascii: "d"): return .text
        case UInt8(ascii: "b"): return .boolean
        case UInt8(ascii: "e"): return .error
        default: return .number
        }
    }

    private func valueSlot(_ tokenizer: XMLTokenizer, kind: CellKind, range: Range<Int>, column: Int) throws(XLSXError) -> CellSlot? {
        try valueSlot(tokenizer.base, kind: kind, range: range, column: column)
    }

    func valueSlot(_ base: UnsafePointer<UInt8>, kind: CellKind, range: Range<Int>, column: Int) throws(XLSXError) -> CellSlot? {
        guard !range.isEmpty else { return nil }
        if kind == .sharedString {
            guard let index = parseDecimal(base, range), index < sharedStrings.count else {
                let text = XMLTokenizer(base: base, end: range.upperBound, part: part).string(range)
                throw .sharedStringIndexOutOfRange(row: rowNumber, column: column + 1, index: Int(text) ?? -1, count: sharedStrings.count)
            }
            return CellSlot(kind: .text, encoding: .sharedIndex, start: Int32(truncatingIfNeeded: index), end: 0)
        }
        let plain = TextDecoder.isPlain(base: base, range: range, excelEscapes: kind == .text)
        return CellSlot(kind: kind, encoding: plain ? .plain : .escapedText,
                        start: Int32(range.lowerBound), end: Int32(range.upperBound))
    }

    /// `<is><t>text</t></is>` spelled exactly so (no prefix, no attributes): the plain
    /// text slot and the position after `</is>`, found by two byte searches.
    private func bareInlineText(_ tokenizer: XMLTokenizer, from: Int) -> (CellSlot, Int)? {
        guard tokenizer.hasPrefix("<t>", at: from), let end = tokenizer.find(UInt8(ascii: "<"), from: from + 3),
              tokenizer.hasPrefix("</t></is>", at: end) else { return nil }
        let text = TextDecoder.trimmed(base: tokenizer.base, (from + 3)..<end)
        guard TextDecoder.isPlain(base: tokenizer.base, range: text, excelEscapes: true) else { return nil }
        return (CellSlot(kind: .text, encoding: .plain, start: Int32(text.lowerBound), end: Int32(text.upperBound)), end + 9)
    }

    /// `<is><t>plain</t></is>`, by far the common form, is recorded as the bare text.
    private func inlineSlot(_ tokenizer: XMLTokenizer, range: Range<Int>) -> CellSlot {
        let rich = CellSlot(kind: .text, encoding: .richText, start: Int32(range.lowerBound), end: Int32(range.upperBound))
        let inner = XMLTokenizer(base: tokenizer.base, end: range.upperBound, part: part)
        guard case let .token(open)? = try? inner.nextToken(from: range.lowerBound), open.kind == .start,
              inner.nameIs(open, "t"), case let .token(close)? = try? inner.nextToken(from: open.next),
              close.kind == .end, inner.nameIs(close, "t"),
              (try? inner.nextToken(from: close.next)).map({ if case .noMarkup = $0 { true } else { false } }) == true
        else { return rich }
        let raw = open.next..<close.tagStart
        let text = inner.preservesSpace(open) ? raw : TextDecoder.trimmed(base: tokenizer.base, raw)
        guard TextDecoder.isPlain(base: tokenizer.base, range: text, excelEscapes: true) else { return rich }
        return CellSlot(kind: .text, encoding: .plain, start: Int32(text.lowerBound), end: Int32(text.upperBound))
    }

    func store(_ slot: CellSlot, at column: Int) throws(XLSXError) {
        if column >= slotCapacity {
            let newCapacity = max(slotCapacity * 2, column + 1)
            let grown = UnsafeMutablePointer<CellSlot>.allocate(capacity: newCapacity)
            grown.moveInitialize(from: slots, count: slotCapacity)
            (grown + slotCapacity).initialize(repeating: CellSlot(), count: newCapacity - slotCapacity)
            slots.deallocate()
            slots = grown
            slotCapacity = newCapacity
        }
        slots[column] = slot
        if column + 1 > columnCount { columnCount = column + 1 }
    }

    private func resetSlots() {
        for index in 0..<slotCapacity { slots[index].stamp = 0 }
        stamp = 1
    }

    /// Position after the end tag matching an already-opened element, or nil if cut off.
    private func skipElement(_ tokenizer: XMLTokenizer, from: Int) throws(XLSXError) -> Int? {
        var position = from
        var depth = 0
        while true {
            guard case let .token(token) = try tokenizer.nextToken(from: position) else { return nil }
            position = token.next
            if token.kind == .start { depth += 1 }
            if token.kind == .end {
                if depth == 0 { return position }
                depth -= 1
            }
        }
    }

    /// The cell's decoded UTF-8, valid until the next row.
    func cellBytes(at column: Int) -> (kind: CellKind, bytes: UnsafeBufferPointer<UInt8>)? {
        guard var slot = slot(at: column) else { return nil }
        let base = UnsafePointer(window.base)
        examine(&slot, base: base)
        switch slot.encoding {
        case .plain:
            return (slot.kind, UnsafeBufferPointer(start: base + Int(slot.start), count: Int(slot.end - slot.start)))
        case .sharedIndex:
            return (.text, sharedStrings.bytes(of: Int(slot.start)))
        case .escapedText:
            var decoded: [UInt8] = []
            TextDecoder.appendText(base: base, range: Int(slot.start)..<Int(slot.end), into: &decoded,
                                   excelEscapes: slot.kind == .text)
            return (slot.kind, arena.store(decoded))
        case .richText:
            var decoded: [UInt8] = []
            TextDecoder.appendRichText(base: base, range: Int(slot.start)..<Int(slot.end), into: &decoded, part: part)
            return (slot.kind, arena.store(decoded))
        case .unexaminedValue, .unexaminedInlineText:
            preconditionFailure("examine(_:base:) settles every unexamined slot")
        }
    }

    /// Settles an unexamined slot into the encoding the general path would have chosen.
    @inline(__always)
    private func examine(_ slot: inout CellSlot, base: UnsafePointer<UInt8>) {
        switch slot.encoding {
        case .unexaminedValue:
            let plain = TextDecoder.isPlain(base: base, range: Int(slot.start)..<Int(slot.end), excelEscapes: slot.kind == .text)
            slot.encoding = plain ? .plain : .escapedText
        case .unexaminedInlineText:
            let text = TextDecoder.trimmed(base: base, Int(slot.start)..<Int(slot.end))
            if TextDecoder.isPlain(base: base, range: text, excelEscapes: true) {
                slot = CellSlot(stamp: slot.stamp, kind: .text, encoding: .plain, start: Int32(text.lowerBound), end: Int32(text.upperBound))
            } else {
                // The `<is>` content: `<t>` + raw text + `</t>`.
                slot.encoding = .richText
                slot.start -= 3
                slot.end += 4
            }
        default:
            break
        }
    }

    func slot(at column: Int) -> CellSlot? {
        guard column >= 0, column < columnCount, column < slotCapacity else { return nil }
        let slot = slots[column]
        return slot.stamp == stamp ? slot : nil
    }
}
