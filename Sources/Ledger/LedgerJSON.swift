import Foundation

/// JSON for the ledger's columns, on every backend: sorted keys, so equal values store
/// equal text whichever backend wrote them.
package enum LedgerJSON {
    package static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    package static func decode<T: Decodable>(_ type: T.Type, _ text: String, table: String, rowID: Int64, column: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw LedgerError.corruptValue(table: table, rowID: rowID, column: column, value: String(text.prefix(200)))
        }
    }
}
