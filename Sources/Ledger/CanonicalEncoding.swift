/// The byte encoding the snapshot chain hashes, written down in the README ("The
/// snapshot chain") so that another program can recompute every hash.
///
/// Integers are 8 bytes, big-endian two's complement. Texts are their UTF-8 bytes after
/// a 4-byte big-endian length. A value that may be NULL starts with one byte: 0 for
/// NULL (nothing follows), 1 when the value follows.
package struct CanonicalEncoding {
    package private(set) var bytes: [UInt8] = []

    package init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    package mutating func integer(_ value: Int64) {
        let bits = UInt64(bitPattern: value)
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
    }

    package mutating func text(_ value: UnsafeBufferPointer<UInt8>) {
        let length = UInt32(value.count)
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: length >> UInt32(shift))) }
        bytes.append(contentsOf: value)
    }

    package mutating func text(_ value: String) {
        var value = value
        value.withUTF8 { text($0) }
    }

    package mutating func optionalText(_ value: UnsafeBufferPointer<UInt8>?) {
        guard let value else { return bytes.append(0) }
        bytes.append(1)
        text(value)
    }

    package mutating func optionalInteger(_ value: Int64?) {
        guard let value else { return bytes.append(0) }
        bytes.append(1)
        integer(value)
    }

    /// Bytes written as they are: hashes, which always have 32.
    package mutating func raw(_ value: some Sequence<UInt8>) {
        bytes.append(contentsOf: value)
    }

    package mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
    }
}

package enum Hex {
    package static func string(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Nil unless `text` is exactly 64 lowercase hex digits.
    package static func sha256(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count == 64 else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: 64, by: 2) {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func value(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
