import Foundation
import Ledger
import PostgresNIO
import UnpaidCore

/// Reads `snapshot` rows as ``SnapshotRecord``s, with their totals and reconciliation, as
/// `SQLiteLedger.snapshots(where:)` does: shared by recording and the queries.
enum PostgresSnapshotRows {
    /// The snapshots matching `condition` (a WHERE clause over `s` and `series`, with its
    /// ORDER BY and LIMIT; values as bind parameters), in that order.
    static func records(where condition: PostgresQuery, on connection: PostgresConnection,
                        logger: Logger) async throws -> [SnapshotRecord] {
        var query: PostgresQuery = """
            SELECT s.id, s.run_id, series.job, series.organization_id, s.period_start, s.period_end, s.period_label,
                   s.fetched_at_ms, s.file_name, s.file_size, s.sha256, s.archive_path, s.row_count
            FROM snapshot s JOIN series ON series.id = s.series_id WHERE
            """
        query.sql += " " + condition.sql
        query.binds = condition.binds
        let rows = try await connection.query(query, logger: logger)
        var records: [SnapshotRecord] = []
        typealias Columns = (Int64, Int64, String, Int64, Int64, Int64, String, Int64, String, Int64, String, String, Int64)
        for try await (id, runID, job, organizationID, start, end, label, fetchedAt, fileName, fileSize, sha256,
                       archivePath, rowCount) in rows.decode(Columns.self) {
            guard let window = try? BillingWindow(start: start, end: end) else {
                throw LedgerError.corruptValue(table: "snapshot", rowID: id, column: "period_end",
                                               value: "\(end) (start \(start))")
            }
            records.append(SnapshotRecord(
                id: SnapshotID(rawValue: id), runID: RunID(rawValue: runID), job: job, organizationID: organizationID,
                window: window, periodLabel: label, fetchedAt: Instant.date(fetchedAt), fileName: fileName,
                fileSize: fileSize, sha256: sha256, archivePath: archivePath, rowCount: Int(rowCount), totals: [:],
                reconciliation: nil))
        }
        for index in records.indices {
            let id = records[index].id
            records[index].totals = try await totals(of: id, on: connection, logger: logger)
            records[index].reconciliation = try await PostgresReconciliationRows.reconciliation(
                of: id, on: connection, logger: logger)
        }
        return records
    }

    static func totals(of id: SnapshotID, on connection: PostgresConnection, logger: Logger) async throws -> [String: Total] {
        let rows = try await connection.query(
            "SELECT currency, order_count, sum_text FROM snapshot_total WHERE snapshot_id = \(id.rawValue)", logger: logger)
        var totals: [String: Total] = [:]
        for try await (currency, count, text) in rows.decode((String, Int64, String).self) {
            guard let sum = try? Money(text) else {
                throw LedgerError.corruptValue(table: "snapshot_total", rowID: id.rawValue, column: "sum_text", value: text)
            }
            totals[currency] = Total(count: Int(count), sum: sum)
        }
        return totals
    }
}
