/// The shared-string table: every string's UTF-8 in one buffer, located by offsets,
/// so a million strings cost two allocations rather than a million.
final class SharedStrings {
    /// Every string's UTF-8 back to back, in memory that never moves, so rows can hand
    /// out pointers into it. Reserved at the part's declared size (decoded text is never
    /// longer than its XML, and inflating past the declared size is refused), so the
    /// table never grows or is copied; pages nobody writes cost no memory.
    private let storage: UnsafeMutablePointer<UInt8>
    private let storageCapacity: Int
    private var byteCount = 0
    /// `offsets[i]..<offsets[i + 1]` is string `i`; `<si/>`, the shortest item, takes
    /// five bytes, which bounds the count.
    private let offsets: UnsafeMutablePointer<UInt32>
    private let offsetCapacity: Int
    private(set) var count = 0

    private init(declaredBytes: Int, byteLimit: Int) {
        storageCapacity = max(min(declaredBytes, byteLimit), 1)
        storage = .allocate(capacity: storageCapacity)
        offsetCapacity = declaredBytes / 5 + 2
        offsets = .allocate(capacity: offsetCapacity)
        offsets[0] = 0
    }

    static var empty: SharedStrings { SharedStrings(declaredBytes: 0, byteLimit: 0) }

    deinit {
        storage.deallocate()
        offsets.deallocate()
    }

    @inline(__always)
    func bytes(of index: Int) -> UnsafeBufferPointer<UInt8> {
        let start = Int(offsets[index])
        return UnsafeBufferPointer(start: storage + start, count: Int(offsets[index + 1]) - start)
    }

    private func append(_ text: UnsafeBufferPointer<UInt8>, part: String, byteLimit: Int) throws(XLSXError) {
        guard byteCount + text.count <= byteLimit else {
            throw .sharedStringsTooLarge(bytes: byteCount + text.count, limit: byteLimit)
        }
        guard byteCount + text.count <= storageCapacity, count + 1 < offsetCapacity else {
            throw .malformedXML(part: part, detail: "more shared-string text than the part's declared size allows")
        }
        if let base = text.baseAddress { (storage + byteCount).update(from: base, count: text.count) }
        byteCount += text.count
        count += 1
        offsets[count] = UInt32(byteCount)
    }

    static func load(archive: ZipArchive, entry: ZipEntry, limits: XLSXLimits) throws(XLSXError) -> SharedStrings {
        let inflated = try ZipEntryStream(archive: archive, entry: entry, limits: limits)
        let window = ByteWindow(source: PrefetchingEntryStream(source: inflated), maxKeptBytes: limits.maxRowBytes)
        let byteLimit = min(limits.maxSharedStringsBytes, Int(UInt32.max))
        // The entry stream refuses more bytes than declared, so this reservation holds.
        let table = SharedStrings(declaredBytes: Int(min(entry.uncompressedSize, UInt64(Int32.max))), byteLimit: byteLimit)
        var decoded: [UInt8] = []
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
                    try table.append(UnsafeBufferPointer(start: nil, count: 0), part: entry.name, byteLimit: byteLimit)
                    position = token.next
                    continue
                }
                guard token.kind == .start, tokenizer.nameIs(token, "si") else {
                    position = token.next
                    continue
                }
                if let (text, next) = plainText(tokenizer, from: token.next) {
                    try table.append(UnsafeBufferPointer(start: tokenizer.base + text.lowerBound, count: text.count),
                                     part: entry.name, byteLimit: byteLimit)
                    position = next
                    continue
                }
                if let close = try closingTag(named: "si", tokenizer: tokenizer, from: token.next) {
                    decoded.removeAll(keepingCapacity: true)
                    TextDecoder.appendRichText(base: window.base, range: token.next..<close.tagStart,
                                               into: &decoded, part: entry.name)
                    try decoded.withUnsafeBufferPointer { (text) throws(XLSXError) in
                        try table.append(text, part: entry.name, byteLimit: byteLimit)
                    }
                    position = close.next
                    continue
                }
                keepFrom = token.tagStart
            }
            switch try window.refill(keepingFrom: keepFrom) {
            case .added: position = 0
            case .endOfEntry:
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
