#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns XML character data into the UTF-8 text it stands for.
enum TextDecoder {
    /// Whether bytes in `range` can be used as they are (no entity, CDATA or `_xHHHH_` escape).
    @inline(__always)
    static func isPlain(base: UnsafePointer<UInt8>, range: Range<Int>, excelEscapes: Bool) -> Bool {
        let underscore: UInt8 = excelEscapes ? UInt8(ascii: "_") : UInt8(ascii: "&")
        for index in range {
            let byte = base[index]
            if byte == UInt8(ascii: "&") || byte == UInt8(ascii: "<") || byte == 0x0D || byte == underscore { return false }
        }
        return true
    }

    /// Character data with entities, character references, CDATA sections and (optionally)
    /// Excel's `_xHHHH_` escapes decoded. Other markup in the range is dropped.
    static func appendText(base: UnsafePointer<UInt8>, range: Range<Int>, into out: inout [UInt8], excelEscapes: Bool) {
        var index = range.lowerBound
        let end = range.upperBound
        var pendingHighSurrogate: UInt32? = nil
        while index < end {
            let byte = base[index]
            if byte == UInt8(ascii: "&") {
                if let (scalar, length) = entity(base: base, at: index, end: end) {
                    appendScalar(scalar, into: &out)
                    index += length
                    continue
                }
            } else if byte == UInt8(ascii: "<") {
                if let close = search(base: base, "]]>", from: index, end: end), isCDATA(base: base, at: index, end: end) {
                    out.append(contentsOf: UnsafeBufferPointer(start: base + index + 9, count: close - index - 9))
                    index = close + 3
                } else {
                    while index < end, base[index] != UInt8(ascii: ">") { index += 1 }
                    index += 1
                }
                continue
            } else if excelEscapes, byte == UInt8(ascii: "_"), let unit = excelEscape(base: base, at: index, end: end) {
                index += 7
                if (0xD800..<0xDC00).contains(unit) {
                    pendingHighSurrogate = unit
                    continue
                }
                if (0xDC00..<0xE000).contains(unit), let high = pendingHighSurrogate {
                    appendScalar(0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00), into: &out)
                } else {
                    appendScalar(unit, into: &out)
                }
                pendingHighSurrogate = nil
                continue
            }
            if byte == 0x0D {
                // XML end-of-line handling: CR LF and lone CR both mean LF.
                out.append(0x0A)
                index += index + 1 < end && base[index + 1] == 0x0A ? 2 : 1
                continue
            }
            out.append(byte)
            index += 1
        }
    }

    /// The text of a string item (`<si>` or `<is>` content): every `<t>` concatenated,
    /// phonetic runs (`<rPh>`) left out.
    static func appendRichText(base: UnsafePointer<UInt8>, range: Range<Int>, into out: inout [UInt8], part: String) {
        let tokenizer = XMLTokenizer(base: base, end: range.upperBound, part: part)
        var position = range.lowerBound
        var phoneticDepth = 0
        var textStart: Int? = nil
        var preserveSpace = false
        while true {
            guard case let .token(token) = try? tokenizer.nextToken(from: position) else { return }
            position = token.next
            switch token.kind {
            case .start:
                if tokenizer.nameIs(token, "rPh") { phoneticDepth += 1 }
                else if phoneticDepth == 0, tokenizer.nameIs(token, "t") {
                    textStart = token.next
                    preserveSpace = tokenizer.preservesSpace(token)
                }
            case .end:
                if tokenizer.nameIs(token, "rPh") { phoneticDepth = max(0, phoneticDepth - 1) }
                else if tokenizer.nameIs(token, "t"), let start = textStart {
                    let first = out.count
                    appendText(base: base, range: start..<token.tagStart, into: &out, excelEscapes: true)
                    if !preserveSpace { trimDecoded(&out, from: first) }
                    textStart = nil
                }
            case .cdata, .empty, .other:
                break
            }
        }
    }

    /// Without `xml:space="preserve"`, leading and trailing XML whitespace is not content.
    static func trimmed(base: UnsafePointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper, isSpace(base[lower]) { lower += 1 }
        while upper > lower, isSpace(base[upper - 1]) { upper -= 1 }
        return lower..<upper
    }

    /// Trims what was just decoded (so `&#xA;` alone is whitespace too), as Excel readers do.
    private static func trimDecoded(_ out: inout [UInt8], from first: Int) {
        while out.count > first, isSpace(out[out.count - 1]) { out.removeLast() }
        var leading = first
        while leading < out.count, isSpace(out[leading]) { leading += 1 }
        if leading > first { out.removeSubrange(first..<leading) }
    }

    @inline(__always)
    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    private static func isCDATA(base: UnsafePointer<UInt8>, at index: Int, end: Int) -> Bool {
        index + 9 <= end && memcmp(base + index, "<![CDATA[", 9) == 0
    }

    private static func search(base: UnsafePointer<UInt8>, _ pattern: StaticString, from: Int, end: Int) -> Int? {
        XMLTokenizer(base: base, end: end, part: "").find(pattern, from: from)
    }

    private static func entity(base: UnsafePointer<UInt8>, at index: Int, end: Int) -> (UInt32, Int)? {
        var semicolon = index + 1
        while semicolon < end, semicolon - index <= 12, base[semicolon] != UInt8(ascii: ";") { semicolon += 1 }
        guard semicolon < end, base[semicolon] == UInt8(ascii: ";") else { return nil }
        let name = UnsafeBufferPointer(start: base + index + 1, count: semicolon - index - 1)
        let length = semicolon - index + 1
        switch String(decoding: name, as: UTF8.self) {
        case "amp": return (0x26, length)
        case "lt": return (0x3C, length)
        case "gt": return (0x3E, length)
        case "quot": return (0x22, length)
        case "apos": return (0x27, length)
        default: break
        }
        guard name.first == UInt8(ascii: "#"), name.count > 1 else { return nil }
        let isHex = name[1] == UInt8(ascii: "x") || name[1] == UInt8(ascii: "X")
        let digits = String(decoding: name.dropFirst(isHex ? 2 : 1), as: UTF8.self)
        guard let value = UInt32(digits, radix: isHex ? 16 : 10), Unicode.Scalar(value) != nil else { return nil }
        return (value, length)
    }

    private static func excelEscape(base: UnsafePointer<UInt8>, at index: Int, end: Int) -> UInt32? {
        guard index + 7 <= end, base[index + 1] == UInt8(ascii: "x"), base[index + 6] == UInt8(ascii: "_") else { return nil }
        var value: UInt32 = 0
        for offset in 2..<6 {
            guard let digit = hexValue(base[index + offset]) else { return nil }
            value = value << 4 | digit
        }
        return value
    }

    private static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    static func appendScalar(_ value: UInt32, into out: inout [UInt8]) {
        let scalar = Unicode.Scalar(value) ?? "\u{FFFD}"
        UTF8.encode(scalar) { out.append($0) }
    }
}
