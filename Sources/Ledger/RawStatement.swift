#if canImport(GRDBSQLite)
import GRDBSQLite
#else
import SQLite3
#endif
import GRDB

/// Binds and steps a GRDB-prepared statement through the SQLite C API.
///
/// Only for the per-order loops of a snapshot: building `StatementArguments` boxes every
/// value and allocates per row, which dominated the cost of writing a million orders.
struct RawStatement {
    // Holding the GRDB statement keeps the SQLite one from being finalized under us.
    private let owner: Statement
    private let statement: SQLiteStatement
    private let connection: SQLiteConnection?

    init(_ statement: Statement, in db: Database) {
        self.owner = statement
        self.statement = statement.sqliteStatement
        self.connection = db.sqliteConnection
    }

    // SQLITE_TRANSIENT is a C macro Swift cannot import: SQLite copies the bytes.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    func bind(_ value: Int64, at index: Int32) {
        sqlite3_bind_int64(statement, index, value)
    }

    func bind(_ value: Int64?, at index: Int32) {
        if let value { sqlite3_bind_int64(statement, index, value) } else { sqlite3_bind_null(statement, index) }
    }

    func bind(_ value: String?, at index: Int32) {
        guard var value else {
            sqlite3_bind_null(statement, index)
            return
        }
        value.withUTF8 { bytes in
            // An empty buffer may have no address, which SQLite would read as NULL.
            let start = bytes.baseAddress.map { UnsafeRawPointer($0) } ?? UnsafeRawPointer(("" as StaticString).utf8Start)
            sqlite3_bind_text(statement, index, start.assumingMemoryBound(to: CChar.self),
                              Int32(bytes.count), Self.transient)
        }
    }

    /// Runs the statement to completion and resets it for the next row.
    func execute() throws {
        let code = sqlite3_step(statement)
        sqlite3_reset(statement)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: sqlite3_extended_errcode(connection)),
                                message: String(cString: sqlite3_errmsg(connection)),
                                sql: String(cString: sqlite3_sql(statement)))
        }
    }
}
