import Ledger
import PostgresNIO

/// Reads snapshots as the chain hashes them (``ChainedSnapshot``): the row, its series
/// and its totals, as stored.
enum PostgresChainedSnapshots {
    /// The snapshots whose ids are in `ids`, by id.
    static func load(_ ids: ClosedRange<Int64>, on connection: PostgresConnection,
                     logger: Logger) async throws -> [Int64: ChainedSnapshot] {
        var snapshots: [Int64: ChainedSnapshot] = [:]
        for row in try await PostgresLedger.rows("""
            SELECT s.id, s.run_id, s.series_id, coalesce(series.job, '') AS job,
                   coalesce(series.organization_id, 0) AS organization_id, s.period_start, s.period_end,
                   s.period_label, s.fetched_at_ms, s.file_name, s.file_size, s.sha256, s.archive_path, s.row_count
            FROM snapshot s LEFT JOIN series ON series.id = s.series_id
            WHERE s.id BETWEEN \(ids.lowerBound) AND \(ids.upperBound)
            """, on: connection, logger: logger) {
            let id: Int64 = try row.value("id")
            snapshots[id] = ChainedSnapshot(
                id: id, runID: try row.value("run_id"), seriesID: try row.value("series_id"), job: try row.value("job"),
                organizationID: try row.value("organization_id"), periodStart: try row.value("period_start"),
                periodEnd: try row.value("period_end"), periodLabel: try row.value("period_label"),
                fetchedAtMilliseconds: try row.value("fetched_at_ms"), fileName: try row.value("file_name"),
                fileSize: try row.value("file_size"), sha256: try row.value("sha256"),
                archivePath: try row.value("archive_path"), rowCount: try row.value("row_count"), totals: [])
        }
        let totals = try await connection.query("""
            SELECT snapshot_id, currency, order_count, sum_text FROM snapshot_total
            WHERE snapshot_id BETWEEN \(ids.lowerBound) AND \(ids.upperBound)
            """, logger: logger)
        for try await (id, currency, count, sum) in totals.decode((Int64, String, Int64, String).self) {
            snapshots[id]?.totals.append(ChainedSnapshot.StoredTotal(currency: currency, orderCount: count, sumText: sum))
        }
        return snapshots
    }

    static func load(_ id: Int64, on connection: PostgresConnection, logger: Logger) async throws -> ChainedSnapshot? {
        try await load(id...id, on: connection, logger: logger)[id]
    }
}
