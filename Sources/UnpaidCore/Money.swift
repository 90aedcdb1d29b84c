/// An exact decimal amount, `units / 10^scale`.
///
/// Money never passes through `Double`: two amounts that print the same are equal,
/// and a sum of a million rows is exact to the last digit. Equality and hashing are
/// by value (`1.50 == 1.5`); `description` keeps the scale it was written or computed
/// with, so a sum of six-decimal prices prints with six decimals.
public struct Money: Sendable, Comparable, Hashable, CustomStringConvertible {
    public static let maxScale = 30
    public static let zero = Money(units: 0, scale: 0)

    public let units: Int128
    public let scale: Int

    public init(units: Int128, scale: Int) {
        precondition((0...Self.maxScale).contains(scale), "Money scale out of range: \(scale)")
        self.units = units
        self.scale = scale
    }

    /// Parses decimal text: `-12.345`, `+7`, `.5`, `1e-06`, `6.6355E4`.
    public init(_ text: some StringProtocol) throws(MoneyParseError) {
        var text = String(text)
        let parsed = text.withUTF8 { Money(decimalBytes: $0) }
        guard let parsed else { throw MoneyParseError(text: text) }
        self = parsed
    }

    /// Parses decimal text straight from bytes, for readers that never make a `String`.
    /// Returns nil for anything that is not a plain decimal number or does not fit.
    public init?(decimalBytes bytes: UnsafeBufferPointer<UInt8>) {
        var index = 0
        let count = bytes.count
        var negative = false
        if index < count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        var units: Int128 = 0
        var scale = 0
        var digits = 0
        var seenPoint = false
        while index < count {
            let byte = bytes[index]
            if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                let (shifted, o1) = units.multipliedReportingOverflow(by: 10)
                let (added, o2) = shifted.addingReportingOverflow(Int128(byte &- UInt8(ascii: "0")))
                if o1 || o2 { return nil }
                units = added
                digits += 1
                if seenPoint { scale += 1 }
            } else if byte == UInt8(ascii: "."), !seenPoint {
                seenPoint = true
            } else {
                break
            }
            index += 1
        }
        guard digits > 0 else { return nil }
        if index < count {
            guard bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") else { return nil }
            index += 1
            var exponentNegative = false
            if index < count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                exponentNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            var exponent = 0
            var exponentDigits = 0
            while index < count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                exponent = exponent * 10 + Int(bytes[index] - UInt8(ascii: "0"))
                exponentDigits += 1
                guard exponent <= 60 else { return nil }
                index += 1
            }
            guard exponentDigits > 0, index == count else { return nil }
            if exponentNegative {
                scale += exponent
            } else if exponent >= scale {
                guard let scaled = Money.scaleUp(units, by: exponent - scale) else { return nil }
                units = scaled
                scale = 0
            } else {
                scale -= exponent
            }
        }
        guard scale <= Money.maxScale else { return nil }
        self.init(units: negative ? -units : units, scale: scale)
    }

    /// The shortest decimal that reads back as the same `Double`: how a spreadsheet's
    /// numeric cell (`66355.05885099999`) becomes the amount it was written from.
    public init?(shortestRepresentationOf value: Double) {
        guard value.isFinite else { return nil }
        try? self.init("\(value)")
    }

    public var isZero: Bool { units == 0 }
    public var isNegative: Bool { units < 0 }

    /// The same value with `scale` digits after the point; nil if that would lose digits.
    public func rescaled(to newScale: Int) -> Money? {
        guard (0...Money.maxScale).contains(newScale) else { return nil }
        if newScale >= scale {
            guard let up = Money.scaleUp(units, by: newScale - scale) else { return nil }
            return Money(units: up, scale: newScale)
        }
        let divisor = Money.powerOfTen(scale - newScale)!
        let (quotient, remainder) = units.quotientAndRemainder(dividingBy: divisor)
        return remainder == 0 ? Money(units: quotient, scale: newScale) : nil
    }

    /// Trailing fractional zeros removed: the form used for equality and hashing.
    public var normalized: Money {
        var units = self.units
        var scale = self.scale
        while scale > 0, units % 10 == 0 {
            units /= 10
            scale -= 1
        }
        return Money(units: units, scale: scale)
    }

    public var description: String {
        let magnitude = units.magnitude
        var digits = String(magnitude)
        if scale > 0 {
            if digits.count <= scale {
                digits = String(repeating: "0", count: scale - digits.count + 1) + digits
            }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -scale))
        }
        return units < 0 ? "-" + digits : digits
    }

    public static func + (lhs: Money, rhs: Money) -> Money {
        let (a, b, scale) = aligned(lhs, rhs)
        return Money(units: a + b, scale: scale)
    }

    public static func - (lhs: Money, rhs: Money) -> Money {
        let (a, b, scale) = aligned(lhs, rhs)
        return Money(units: a - b, scale: scale)
    }

    public static func += (lhs: inout Money, rhs: Money) { lhs = lhs + rhs }
    public static prefix func - (value: Money) -> Money { Money(units: -value.units, scale: value.scale) }

    public static func == (lhs: Money, rhs: Money) -> Bool {
        let (a, b, _) = aligned(lhs, rhs)
        return a == b
    }

    public static func < (lhs: Money, rhs: Money) -> Bool {
        let (a, b, _) = aligned(lhs, rhs)
        return a < b
    }

    public func hash(into hasher: inout Hasher) {
        let canonical = normalized
        hasher.combine(canonical.units)
        hasher.combine(canonical.scale)
    }

    /// `self / other` as a Double, for relative deltas that are shown, never summed.
    public func ratio(to other: Money) -> Double? {
        guard !other.isZero else { return nil }
        let (a, b, _) = Money.aligned(self, other)
        return Double(a) / Double(b)
    }

    // Amounts beyond 38 digits do not occur in billing; trapping beats a wrong total.
    private static func aligned(_ lhs: Money, _ rhs: Money) -> (Int128, Int128, Int) {
        if lhs.scale == rhs.scale { return (lhs.units, rhs.units, lhs.scale) }
        if lhs.scale < rhs.scale {
            return (lhs.units * powerOfTen(rhs.scale - lhs.scale)!, rhs.units, rhs.scale)
        }
        return (lhs.units, rhs.units * powerOfTen(lhs.scale - rhs.scale)!, lhs.scale)
    }

    private static func scaleUp(_ units: Int128, by digits: Int) -> Int128? {
        guard let factor = powerOfTen(digits) else { return nil }
        let (result, overflow) = units.multipliedReportingOverflow(by: factor)
        return overflow ? nil : result
    }

    private static let powersOfTen: [Int128] = {
        var powers: [Int128] = [1]
        for _ in 1...38 { powers.append(powers.last! * 10) }
        return powers
    }()

    private static func powerOfTen(_ exponent: Int) -> Int128? {
        powersOfTen.indices.contains(exponent) ? powersOfTen[exponent] : nil
    }
}

extension Money: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self = try Money(text)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

public struct MoneyParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public let text: String
    public var description: String { "not a decimal amount: \"\(text)\"" }
}
