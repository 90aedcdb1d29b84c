#if canImport(GRDBSQLite)
import Ledger
import GRDBSQLite
#else
import SQLite3
#endif
import GRDB

/// Binds and steps a GRDB-prepared statement through the SQLite C API.
///
/// Only for the per-order loops of a snapshot: building `StatementArguments` boxes every
/// value and allocates per row, and reading `Row`s makes a String per text column, which
/// dominated the cost of writing and diffing a million orders.
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

    /// Binds a copy of `text` (never NULL, even when empty).
    func bind(transientText text: UnsafeBufferPointer<UInt8>, at index: Int32) {
        let start = text.baseAddress.map { UnsafeRawPointer($0) } ?? UnsafeRawPointer(("" as StaticString).utf8Start)
        sqlite3_bind_text(statement, index, start.assumingMemoryBound(to: CChar.self), Int32(text.count), Self.transient)
    }

    /// Binds text that is followed in memory by a NUL byte: SQLite copies it once and,
    /// knowing it terminated, never again for the CHECKs that read it.
    func bind(terminatedText text: UnsafeBufferPointer<UInt8>, at index: Int32) {
        precondition(text.baseAddress.map { $0[text.count] == 0 } ?? false, "text must be NUL-terminated")
        text.baseAddress!.withMemoryRebound(to: CChar.self, capacity: text.count + 1) { start in
            _ = sqlite3_bind_text(statement, index, start, -1, Self.transient)
        }
    }

    /// Binds bytes that stay valid and unchanged until `clearBindings()` or the next bind
    /// of `index`: SQLite reads them in place. Nil binds NULL.
    func bind(staticText text: UnsafeBufferPointer<UInt8>?, at index: Int32) {
        guard let text else {
            sqlite3_bind_null(statement, index)
            return
        }
        // An empty buffer may have no address, which SQLite would read as NULL.
        let start = text.baseAddress.map { UnsafeRawPointer($0) } ?? UnsafeRawPointer(("" as StaticString).utf8Start)
        sqlite3_bind_text(statement, index, start.assumingMemoryBound(to: CChar.self), Int32(text.count), nil)
    }

    /// Drops every binding, so that none points at memory about to be freed.
    func clearBindings() {
        sqlite3_clear_bindings(statement)
    }

    /// Steps a query: true while it has a row, whose columns the accessors below read.
    func step() throws -> Bool {
        let code = sqlite3_step(statement)
        if code == SQLITE_ROW { return true }
        if code == SQLITE_DONE { return false }
        throw currentError()
    }

    func reset() {
        sqlite3_reset(statement)
    }

    func isNull(at column: Int32) -> Bool {
        sqlite3_column_type(statement, column) == SQLITE_NULL
    }

    func int64OrNil(at column: Int32) -> Int64? {
        isNull(at: column) ? nil : sqlite3_column_int64(statement, column)
    }

    /// The column's UTF-8 bytes, valid until the next step or reset (empty for NULL).
    func text(at column: Int32) -> UnsafeBufferPointer<UInt8> {
        guard let start = sqlite3_column_text(statement, column) else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: start, count: Int(sqlite3_column_bytes(statement, column)))
    }

    /// The column's UTF-8 bytes, nil for NULL; valid until the next step or reset.
    func optionalText(at column: Int32) -> UnsafeBufferPointer<UInt8>? {
        // sqlite3_column_text is NULL only for NULL (an empty text has an address):
        // no sqlite3_column_type call per column of a million rows.
        guard let start = sqlite3_column_text(statement, column) else { return nil }
        return UnsafeBufferPointer(start: start, count: Int(sqlite3_column_bytes(statement, column)))
    }

    /// Runs the statement to completion and resets it for the next row.
    func execute() throws {
        let code = sqlite3_step(statement)
        sqlite3_reset(statement)
        guard code == SQLITE_DONE else { throw currentError() }
    }

    private func currentError() -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: sqlite3_extended_errcode(connection)),
                      message: String(cString: sqlite3_errmsg(connection)),
                      sql: String(cString: sqlite3_sql(statement)))
    }
}
