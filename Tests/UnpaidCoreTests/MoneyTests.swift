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

    @Test func sumsExactlyWhereDoublesDrift() throws {
        var sum = Money.zero
        for _ in 0..<1000 { sum += try Money("0.1") }
        #expect(sum == (try Money("100")))
        #expect(sum.description == "100.0")
    }

    @Test func equalityIsByValue() throws {
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

    @Test func rescaling() throws {
        #expect(try Money("1.5").rescaled(to: 6)?.description == "1.500000")
        #expect(try Money("1.234").rescaled(to: 2) == nil)
        #expect(try Money("1.200").normalized.description == "1.2")
    }
}
