/// The shared-string table: every string's UTF-8 in one buffer, located by offsets,
/// so a million strings cost two allocations rather than a million.
final class SharedStrings {
    private var bytes: [UInt8] = []
    /// `offsets[i]..<offsets[i + 1]` is string `i`.
    private var offsets: [UInt32] = [0]
    /// `bytes` copied to memory that never moves, so rows can hand out pointers into it.
    private var frozen = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 1)

    var count: Int { offsets.count - 1 }

    static var empty: SharedStrings { SharedStrings() }

    deinit { frozen.deallocate() }

    @inline(__always)
    func bytes(of index: Int) -> UnsafeBufferPointer<UInt8> {
        let start = Int(offsets[index])
        return UnsafeBufferPointer(start: frozen.baseAddress! + start, count: Int(offsets[index + 1]) - start)
    }

    private func freeze() {
        frozen.deallocate()
        frozen = .allocate(capacity: max(bytes.count, 1))
        _ = frozen.initialize(from: bytes)
        bytes = []
    }

    static func load(archive: ZipArchive, entry: ZipEntry, limits: XLSXLimits) throws(XLSXError) -> SharedStrings {
        let inflated = try ZipEntryStream(archive: archive, entry: entry, limits: limits)
        let window = ByteWindow(source: PrefetchingEntryStream(source: inflated), maxKeptBytes: limits.maxRowBytes)
        let byteLimit = min(limits.maxSharedStringsBytes, Int(UInt32.max))
        let table = SharedStrings()
        var position = 0
        while true {
            let tokenizer = XMLTokenizer(base: window.base, end: window.count, part: entry.name)
            var keepFrom = window.count
            switch try tokenizer.nextToken(from: position) {
            case .noMarkup:
                break
            case let .incomplete(at):
                keepFrom = at
            case let .token(token):
                if token.kind == .empty, tokenizer.nameIs(token, "si") {
                    table.offsets.append(UInt32(table.bytes.count))
                    position = token.next
                    continue
                }
                guard token.kind == .start, tokenizer.nameIs(token, "si") else {
                    position = token.next
                    continue
                }
                if let (text, next) = plainText(tokenizer, from: token.next) {
                    table.bytes.append(contentsOf: UnsafeBufferPointer(start: tokenizer.base + text.lowerBound, count: text.count))
                    guard table.bytes.count <= byteLimit else {
                        throw .sharedStringsTooLarge(bytes: table.bytes.count, limit: byteLimit)
                    }
                    table.offsets.append(UInt32(table.bytes.count))
                    position = next
                    continue
                }
                if let close = try closingTag(named: "si", tokenizer: tokenizer, from: token.next) {
                    TextDecoder.appendRichText(base: window.base, range: token.next..<close.tagStart,
                                               into: &table.bytes, part: entry.name)
                    guard table.bytes.count <= byteLimit else {
                        throw .sharedStringsTooLarge(bytes: table.bytes.count, limit: byteLimit)
                    }
                    table.offsets.append(UInt32(table.bytes.count))
                    position = close.next
                    continue
                }
                keepFrom = token.tagStart
            }
            switch try window.refill(keepingFrom: keepFrom) {
            case .added: position = 0
            case .endOfEntry:
                table.freeze()
                return table
            case .keptTooLarge:
                throw .malformedXML(part: entry.name, detail: "shared string \(table.count) is larger than \(limits.maxRowBytes) bytes")
            }
        }
    }
}

/// `<t>text</t></si>` spelled exactly so, with text that needs no decoding (the common
/// case): the trimmed text and the position after `</si>`, as the rich-text path would give.
private func plainText(_ tokenizer: XMLTokenizer, from: Int) -> (Range<Int>, Int)? {
    guard tokenizer.hasPrefix("<t>", at: from), let end = tokenizer.find(UInt8(ascii: "<"), from: from + 3),
          tokenizer.hasPrefix("</t></si>", at: end) else { return nil }
    let text = TextDecoder.trimmed(base: tokenizer.base, (from + 3)..<end)
    guard TextDecoder.isPlain(base: tokenizer.base, range: text, excelEscapes: true) else { return nil }
    return (text, end + 9)
}

/// The end tag closing an element whose content starts at `from`, or nil if the buffer ends first.
func closingTag(named name: StaticString, tokenizer: XMLTokenizer, from: Int) throws(XLSXError) -> XMLToken? {
    var position = from
    var depth = 0
    while true {
        guard case let .token(token) = try tokenizer.nextToken(from: position) else { return nil }
        position = token.next
        if tokenizer.nameIs(token, name) {
            if token.kind == .start { depth += 1 }
            if token.kind == .end {
                if depth == 0 { return token }
                depth -= 1
            }
        }
    }
}
