import Foundation
import Testing
import UnpaidCore

@Suite struct JSONTextTests {
    @Test(arguments: ["plain", "quote \" and \\ backslash", "line\nbreak\r\ttab", "\u{01}\u{1F}", "组织 · Müller", ""])
    func quotedTextDecodesBackToItself(text: String) throws {
        let quoted = JSONText.quoted(text)
        let decoded = try JSONDecoder().decode(String.self, from: Data(quoted.utf8))
        #expect(decoded == text)
    }

    @Test func controlCharactersUseUnicodeEscapes() {
        #expect(JSONText.quoted("\u{01}") == "\"\\u0001\"")
    }
}
