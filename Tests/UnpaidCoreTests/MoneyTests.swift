import SeededRandomness
import Testing
import UnpaidCore

@Suite struct MoneyTests {
    @Test(arguments: [
        ("12.345678", "12.345678"), ("-0.5", "-0.5"), ("+7", "7"), (".5", "0.5"),
        ("1e-06", "0.000001"), ("6.6355E4", "66355"), ("0.000000", "0.000000"), ("100", "100"),
    ])
    func parsesAndPrints(text: String, printed: String) throws {
        #expect(try Money(text).description == printed)
    }

    @Test(arguments: ["", "-", "1,5", "1.2.3", "abc", "1e", "1e+", "12 ", "0x10", "1e99"])
    func rejects(text: String) {
        #expect(throws: MoneyParseError.self) { try Money(text) }
    }

    @Test func sumsExactlyWhereDoublesDrift() async throws {
        var sum = Money.zero
        for _ in 0..<1000 { sum += try Money("0.1") }
        #expect(sum == (try Money("100")))
        #expect(sum.description == "100.0")
    }

    @Test func equalityIsByValue() async throws {
        #expect(try Money("1.50") == Money("1.5"))
        #expect(try Set([Money("1.50"), Money("1.5")]).count == 1)
        #expect(try Money("-2") < Money("1.5"))
        #expect(try (Money("1.25") - Money("2")).description == "-0.75")
    }

    @Test func shortestDoubleRepresentation() {
        // xlsxwriter writes %.16G: the double is 66355.058851, the XML says 66355.05885099999.
        #expect(Money(shortestRepresentationOf: Double("66355.05885099999")!)?.description == "66355.058851")
        #expect(Money(shortestRepresentationOf: 0.000001)?.description == "0.000001")
        #expect(Money(shortestRepresentationOf: .nan) == nil)
    }

    @Test func rescaling() async throws {
        #expect(try Money("1.5").rescaled(to: 6)?.description == "1.500000")
        #expect(try Money("1.234").rescaled(to: 2) == nil)
        #expect(try Money("1.200").normalized.description == "1.2")
    }

    /// The stack-written text the ledger binds and the listings write is `description`,
    /// byte for byte, NUL-terminated, at every scale and beyond 64 bits.
    @Test func decimalTextIsExactlyTheDescription() async throws {
        var values: [Money] = [.zero, Money(units: 0, scale: 6), Money(units: -5, scale: 2), Money(units: 150, scale: 2),
                               Money(units: 7, scale: 0), Money(units: -1, scale: 30), Money(units: Int128(Int64.max), scale: 3),
                               Money(units: -Int128(Int64.max), scale: 19), Money(units: Int128(Int64.max) * 10, scale: 4),
                               Money(units: Int128(Int64.min), scale: 0), Money(units: -Int128(UInt64.max), scale: 5),
                               Money(units: .min, scale: 30), Money(units: .max, scale: 0),
                               try Money("66355.05885099999"), try Money("-0.00"), try Money("1e-06")]
        var random = SplitMix64(seed: 12_345)
        for _ in 0..<2_000 {
            let bits = random.next()
            let units = Int128(Int64(bitPattern: bits) >> Int(bits % 60))
            values.append(Money(units: units, scale: Int(bits >> 58) % 31))
        }
        for value in values {
            let (text, terminated) = value.withDecimalText {
                (String(decoding: $0, as: UTF8.self), $0.baseAddress![$0.count] == 0)
            }
            #expect(text == value.description, "units \(value.units) scale \(value.scale)")
            #expect(terminated)
        }
    }
}
