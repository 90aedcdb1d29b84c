import Foundation
import Ledger
import PostgresNIO
import UnpaidCore

extension PostgresLedger {
    /// Every row of `query`, addressable by column name.
    static func rows(_ query: PostgresQuery, on connection: PostgresConnection,
                     logger: Logger) async throws -> [PostgresRandomAccessRow] {
        var rows: [PostgresRandomAccessRow] = []
        for try await row in try await connection.query(query, logger: logger) { rows.append(row.makeRandomAccess()) }
        return rows
    }
}

extension PostgresRandomAccessRow {
    /// The value of `column`; a NULL decodes only into an optional.
    func value<Value: PostgresDecodable>(_ column: String, as type: Value.Type = Value.self) throws -> Value {
        try self[column].decode(Value.self)
    }

    /// An exact amount stored as canonical text; text that is not one is named, not guessed.
    func money(_ column: String, table: String, rowID: Int64) throws -> Money {
        let text: String = try value(column)
        guard let amount = try? Money(text) else {
            throw LedgerError.corruptValue(table: table, rowID: rowID, column: column, value: text)
        }
        return amount
    }

    func optionalMoney(_ column: String, table: String, rowID: Int64) throws -> Money? {
        guard try value(column, as: String?.self) != nil else { return nil }
        return try money(column, table: table, rowID: rowID)
    }

    func window(snapshotID: Int64) throws -> BillingWindow {
        let start: Int64 = try value("period_start"), end: Int64 = try value("period_end")
        guard let window = try? BillingWindow(start: start, end: end) else {
            throw LedgerError.corruptValue(table: "snapshot", rowID: snapshotID, column: "period_end",
                                           value: "\(end) (start \(start))")
        }
        return window
    }
}
