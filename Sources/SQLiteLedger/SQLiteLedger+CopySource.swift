import GRDB
import Ledger

extension SQLiteLedger: LedgerCopySource {
    public func copyRows(of table: String, columns: [String], orderedBy: [String], after: [String]?,
                         limit: Int) async throws -> [[String?]] {
        func quoted(_ names: [String]) -> String { names.map { "\"\($0)\"" }.joined(separator: ", ") }
        // A row value compared with text parameters: each takes its column's affinity, so an
        // INTEGER key compares as a number, and the primary key's index serves the range.
        let start = after.map { key in
            "WHERE (\(quoted(orderedBy))) > (\(Array(repeating: "?", count: key.count).joined(separator: ", "))) "
        } ?? ""
        let sql = "SELECT \(quoted(columns)) FROM \"\(table)\" \(start)ORDER BY \(quoted(orderedBy)) LIMIT ?"
        let arguments = StatementArguments(after ?? []) + [limit]
        return try await pool.read { db in
            let cursor = try Row.fetchCursor(db, sql: sql, arguments: arguments)
            var rows: [[String?]] = []
            while let row = try cursor.next() {
                rows.append(try (0..<columns.count).map { index in
                    try Self.copyText(row[index] as DatabaseValue, table: table, column: columns[index])
                })
            }
            return rows
        }
    }

    /// The ledger stores no blobs: one found is damage, named rather than copied.
    private static func copyText(_ value: DatabaseValue, table: String, column: String) throws -> String? {
        switch value.storage {
        case .null: nil
        case .int64(let integer): String(integer)
        case .double(let real): "\(real)"
        case .string(let text): text
        case .blob: throw LedgerError.corruptValue(table: table, rowID: 0, column: column, value: "(a blob)")
        }
    }
}
