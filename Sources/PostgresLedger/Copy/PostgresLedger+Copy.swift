import Ledger
import PostgresNIO

/// Copying a whole ledger into an empty PostgreSQL ledger, every id kept: the seed of
/// `unpaidd ledger copy`, and how tests put a SQLite history beside its PostgreSQL copy.
///
/// No rule of the schema is switched off: the append-only and transition triggers guard
/// UPDATE and DELETE only, and the insert-time rules (interval bounds are snapshots of the
/// series, each chain row extends the head) hold because tables go in dependency order and
/// each table in key order. So the copy needs neither `session_replication_role = replica`
/// (a superuser setting) nor a trigger bypass an attacker could use too.
extension PostgresLedger {
    /// A table of the ledger, in the order rows may be inserted, with its key order.
    struct CopiedTable: Sendable {
        let name: String
        let orderedBy: [String]
    }

    static let copiedTables = [
        CopiedTable(name: "run", orderedBy: ["id"]),
        CopiedTable(name: "series", orderedBy: ["id"]),
        CopiedTable(name: "snapshot", orderedBy: ["id"]),
        CopiedTable(name: "snapshot_total", orderedBy: ["snapshot_id", "currency"]),
        CopiedTable(name: "order_interval", orderedBy: ["series_id", "closed_by_snapshot_id", "order_no"]),
        CopiedTable(name: "job_fire", orderedBy: ["job"]),
        CopiedTable(name: "snapshot_diff", orderedBy: ["snapshot_id"]),
        CopiedTable(name: "snapshot_change", orderedBy: ["snapshot_id", "currency"]),
        CopiedTable(name: "snapshot_change_order", orderedBy: ["snapshot_id", "currency", "order_no"]),
        CopiedTable(name: "alert_state", orderedBy: ["identity_key"]),
        CopiedTable(name: "outbox", orderedBy: ["id"]),
        CopiedTable(name: "outbox_requeue", orderedBy: ["outbox_id", "requeued_at"]),
        CopiedTable(name: "target_state", orderedBy: ["target"]),
        CopiedTable(name: "snapshot_chain", orderedBy: ["snapshot_id"]),
        CopiedTable(name: "archive_removal", orderedBy: ["snapshot_id"]),
        CopiedTable(name: "snapshot_reconciliation", orderedBy: ["snapshot_id"]),
        CopiedTable(name: "organization_failure", orderedBy: ["id"]),
        CopiedTable(name: "series_watch", orderedBy: ["job", "organization_id"]),
    ]

    /// Rows asked of the source at a time: memory stays flat whatever the ledger's size.
    public static let copyPageRows = 20_000

    /// Copies every row of `source` into this ledger in one transaction: all of it or nothing.
    /// - Parameters:
    ///   - pageRows: rows asked of the source at a time.
    ///   - progress: called after each page with the table and the rows of it copied so far.
    /// - Returns: the rows copied per table, in copy order.
    /// - Throws: ``LedgerCopyError/targetNotEmpty(location:table:)`` when this ledger already
    ///   holds a history; ``PostgresLedgerError`` when a row breaks a rule; what `source` throws.
    @discardableResult
    public func copy(from source: some LedgerCopySource, pageRows: Int = copyPageRows,
                     progress: (_ table: String, _ rowsSoFar: Int) -> Void = { _, _ in }) async throws
        -> [(table: String, rows: Int)] {
        precondition(pageRows > 0, "a page holds at least one row")
        return try await write { connection in
            for table in Self.copiedTables {
                if try await Self.holdsRows(table.name, on: connection, logger: logger) {
                    throw LedgerCopyError.targetNotEmpty(location: "\(location)", table: table.name)
                }
            }
            var copied: [(table: String, rows: Int)] = []
            for table in Self.copiedTables {
                let columns = try await Self.columns(of: table.name, on: connection, logger: logger)
                let count = try await Self.copy(table, columns: columns, from: source, pageRows: pageRows,
                                                on: connection, logger: logger) { progress(table.name, $0) }
                copied.append((table.name, count))
            }
            try await Self.advanceIdentities(on: connection, logger: logger)
            return copied
        }
    }

    private static func holdsRows(_ table: String, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(PostgresQuery(unsafeSQL: "SELECT EXISTS (SELECT 1 FROM \(table))"), logger: logger)
        for try await exists in rows.decode(Bool.self) { return exists }
        return false
    }

    /// The table's columns in this database, in their declared order: the source is asked
    /// for the same names, so a column one backend lacks is an error, not a silent NULL.
    private static func columns(of table: String, on connection: PostgresConnection, logger: Logger) async throws -> [String] {
        let rows = try await connection.query("""
            SELECT attname::text FROM pg_attribute
            WHERE attrelid = \(table)::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum
            """, logger: logger)
        var names: [String] = []
        for try await name in rows.decode(String.self) { names.append(name) }
        return names
    }

    /// One COPY per table, fed page by page as the source answers.
    private static func copy(_ table: CopiedTable, columns: [String], from source: some LedgerCopySource, pageRows: Int,
                             on connection: PostgresConnection, logger: Logger,
                             progress: (Int) -> Void) async throws -> Int {
        var count = 0
        let keyColumns = table.orderedBy.map { name in columns.firstIndex(of: name) }
        guard let keyColumns = keyColumns as? [Int] else {
            throw LedgerCopyError.keyNotCopied(table: table.name, key: table.orderedBy)
        }
        do {
            try await connection.copyFrom(table: table.name, columns: columns, logger: logger) { writer in
                var lastKey: [String]?
                while true {
                    let page = try await source.copyRows(of: table.name, columns: columns, orderedBy: table.orderedBy,
                                                         after: lastKey, limit: pageRows)
                    guard let last = page.last else { break }
                    // Key columns are the primary key's, never NULL.
                    lastKey = keyColumns.map { last[$0] ?? "" }
                    var buffer = ByteBufferAllocator().buffer(capacity: OrderIntervalCopy.chunkBytes)
                    for row in page {
                        encodeRow(row, into: &buffer)
                        if buffer.writerIndex >= OrderIntervalCopy.chunkBytes {
                            try await writer.write(buffer)
                            buffer.clear()
                        }
                    }
                    if buffer.writerIndex > 0 { try await writer.write(buffer) }
                    count += page.count
                    progress(count)
                    if page.count < pageRows { break }
                }
            }
        } catch let error as PSQLError {
            throw PostgresLedgerError.from(error)
        }
        return count
    }

    /// COPY's text format: tab-separated, `\N` for NULL, escaped as ``OrderIntervalCopy`` does.
    private static func encodeRow(_ row: [String?], into buffer: inout ByteBuffer) {
        for (index, value) in row.enumerated() {
            if index > 0 { buffer.writeInteger(UInt8(ascii: "\t")) }
            guard var text = value else {
                buffer.writeBytes([UInt8(ascii: "\\"), UInt8(ascii: "N")])
                continue
            }
            text.withUTF8 { OrderIntervalCopy.writeEscaped($0, into: &buffer) }
        }
        buffer.writeInteger(UInt8(ascii: "\n"))
    }
}

/// Why a ledger copy did not start; nothing was written.
public enum LedgerCopyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The destination already holds rows: a copy never merges two histories.
    case targetNotEmpty(location: String, table: String)
    /// A table's key is not among its columns in the destination: the schemas differ.
    case keyNotCopied(table: String, key: [String])

    public var description: String {
        switch self {
        case .targetNotEmpty(let location, let table):
            "the PostgreSQL ledger \(location) already holds rows in \(table); copy into a new, empty database"
        case .keyNotCopied(let table, let key):
            "\(table): its key (\(key.joined(separator: ", "))) is not among its columns in the PostgreSQL ledger; this build's schemas differ"
        }
    }
}
