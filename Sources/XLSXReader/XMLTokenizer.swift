#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One markup construct found in a byte buffer. Offsets index the buffer; `name` is the
/// local name (any namespace prefix such as `x:` is skipped, so prefixes never matter).
struct XMLToken {
    enum Kind { case start, end, empty, cdata, other }
    var kind: Kind
    var tagStart: Int
    /// One past the closing `>`.
    var next: Int
    var nameStart: Int
    var nameEnd: Int
    /// Where attributes begin (just after the qualified name).
    var attributesStart: Int
}

enum TokenScan {
    case token(XMLToken)
    /// No `<` before `end`: the rest is character data.
    case noMarkup
    /// A construct starts at this offset but does not end before `end`.
    case incomplete(at: Int)
}

/// Byte-level XML scanning with no allocation: callers hold the buffer and offsets.
/// Refuses DOCTYPE and ENTITY declarations wherever they appear.
struct XMLTokenizer {
    let base: UnsafePointer<UInt8>
    let end: Int
    let part: String

    @inline(__always)
    func find(_ byte: UInt8, from: Int) -> Int? {
        guard from < end else { return nil }
        guard let hit = memchr(base + from, Int32(byte), end - from) else { return nil }
        return UnsafePointer<UInt8>(hit.assumingMemoryBound(to: UInt8.self)) - base
    }

    func find(_ pattern: StaticString, from: Int) -> Int? {
        let count = pattern.utf8CodeUnitCount
        let first = pattern.utf8Start[0]
        var position = from
        while let hit = find(first, from: position) {
            if hit + count > end { return nil }
            if memcmp(base + hit, pattern.utf8Start, count) == 0 { return hit }
            position = hit + 1
        }
        return nil
    }

    func hasPrefix(_ pattern: StaticString, at offset: Int) -> Bool {
        let count = pattern.utf8CodeUnitCount
        return offset + count <= end && memcmp(base + offset, pattern.utf8Start, count) == 0
    }

    func nextToken(from position: Int) throws(XLSXError) -> TokenScan {
        guard let lt = find(UInt8(ascii: "<"), from: position) else { return .noMarkup }
        guard lt + 1 < end else { return .incomplete(at: lt) }
        let second = base[lt + 1]
        if second == UInt8(ascii: "!") {
            return try scanBang(at: lt)
        }
        if second == UInt8(ascii: "?") {
            guard let close = find("?>", from: lt + 2) else { return .incomplete(at: lt) }
            return .token(XMLToken(kind: .other, tagStart: lt, next: close + 2, nameStart: lt, nameEnd: lt, attributesStart: lt))
        }
        let isEnd = second == UInt8(ascii: "/")
        var cursor = isEnd ? lt + 2 : lt + 1
        var nameStart = cursor
        while cursor < end {
            let byte = base[cursor]
            if byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/") || byte <= 0x20 { break }
            if byte == UInt8(ascii: ":") { nameStart = cursor + 1 }
            cursor += 1
        }
        let nameEnd = cursor
        // Attribute values may legally contain '>', so quotes are honoured.
        var quote: UInt8 = 0
        while cursor < end {
            let byte = base[cursor]
            if quote != 0 {
                if byte == quote { quote = 0 }
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                quote = byte
            } else if byte == UInt8(ascii: ">") {
                let selfClosing = base[cursor - 1] == UInt8(ascii: "/")
                let kind: XMLToken.Kind = isEnd ? .end : (selfClosing ? .empty : .start)
                return .token(XMLToken(kind: kind, tagStart: lt, next: cursor + 1, nameStart: nameStart,
                                       nameEnd: nameEnd, attributesStart: nameEnd))
            }
            cursor += 1
        }
        return .incomplete(at: lt)
    }

    private func scanBang(at lt: Int) throws(XLSXError) -> TokenScan {
        if hasPrefix("<![CDATA[", at: lt) {
            guard let close = find("]]>", from: lt + 9) else { return .incomplete(at: lt) }
            return .token(XMLToken(kind: .cdata, tagStart: lt, next: close + 3, nameStart: lt + 9, nameEnd: close, attributesStart: lt))
        }
        if hasPrefix("<!--", at: lt) {
            guard let close = find("-->", from: lt + 4) else { return .incomplete(at: lt) }
            return .token(XMLToken(kind: .other, tagStart: lt, next: close + 3, nameStart: lt, nameEnd: lt, attributesStart: lt))
        }
        guard lt + 9 <= end else { return .incomplete(at: lt) }
        if hasPrefix("<!DOCTYPE", at: lt) { throw .forbiddenDeclaration(part: part, declaration: "DOCTYPE") }
        if hasPrefix("<!ENTITY", at: lt) { throw .forbiddenDeclaration(part: part, declaration: "ENTITY") }
        throw .malformedXML(part: part, detail: "unexpected markup declaration at byte \(lt)")
    }

    @inline(__always)
    func nameIs(_ token: XMLToken, _ name: StaticString) -> Bool {
        let count = name.utf8CodeUnitCount
        return token.nameEnd - token.nameStart == count && memcmp(base + token.nameStart, name.utf8Start, count) == 0
    }

    /// The value range of the attribute whose local name is `name`, within a start tag.
    func attribute(_ name: StaticString, in token: XMLToken) -> Range<Int>? {
        var cursor = token.attributesStart
        let limit = token.next - 1
        let count = name.utf8CodeUnitCount
        while cursor < limit {
            while cursor < limit, base[cursor] <= 0x20 { cursor += 1 }
            var localStart = cursor
            while cursor < limit, base[cursor] != UInt8(ascii: "="), base[cursor] > 0x20 {
                if base[cursor] == UInt8(ascii: ":") { localStart = cursor + 1 }
                cursor += 1
            }
            let localEnd = cursor
            while cursor < limit, base[cursor] != UInt8(ascii: "\""), base[cursor] != UInt8(ascii: "'") {
                if base[cursor] == UInt8(ascii: "/") || base[cursor] == UInt8(ascii: ">") { return nil }
                cursor += 1
            }
            guard cursor < limit else { return nil }
            let quote = base[cursor]
            let valueStart = cursor + 1
            guard let valueEnd = find(quote, from: valueStart), valueEnd < token.next else { return nil }
            if localEnd - localStart == count, memcmp(base + localStart, name.utf8Start, count) == 0 {
                return valueStart..<valueEnd
            }
            cursor = valueEnd + 1
        }
        return nil
    }

    func preservesSpace(_ token: XMLToken) -> Bool {
        guard let range = attribute("space", in: token) else { return false }
        return range.count == 8 && memcmp(base + range.lowerBound, "preserve", 8) == 0
    }

    func string(_ range: Range<Int>) -> String {
        var decoded: [UInt8] = []
        TextDecoder.appendText(base: base, range: range, into: &decoded, excelEscapes: false)
        return String(decoding: decoded, as: UTF8.self)
    }
}
