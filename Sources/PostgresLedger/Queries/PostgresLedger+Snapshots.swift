import Foundation
import Ledger
import PostgresNIO
import UnpaidCore

/// Runs, counts and snapshots: the reads of `SQLiteLedger+Queries`, same SQL meaning.
extension PostgresLedger {
    public func runs(job: String?, status: RunStatus?, since: Date?, limit: Int?) async throws -> [RunRecord] {
        try await read { connection in
            try await Self.rows("""
                SELECT id, job, started_at_ms, finished_at_ms, status, error FROM run
                WHERE (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue))
                  AND (\(job)::text IS NULL OR job = \(job))
                  AND (\(since.map(Instant.milliseconds))::bigint IS NULL OR started_at_ms >= \(since.map(Instant.milliseconds)))
                ORDER BY started_at_ms DESC, id DESC LIMIT \(limit)
                """, on: connection, logger: logger).map { row in
                let id: Int64 = try row.value("id")
                let statusText: String = try row.value("status")
                guard let status = RunStatus(rawValue: statusText) else {
                    throw LedgerError.corruptValue(table: "run", rowID: id, column: "status", value: statusText)
                }
                return RunRecord(id: RunID(rawValue: id), job: try row.value("job"),
                                 startedAt: Instant.date(try row.value("started_at_ms")),
                                 finishedAt: try row.value("finished_at_ms", as: Int64?.self).map(Instant.date),
                                 status: status, error: try row.value("error"))
            }
        }
    }

    public func counts() async throws -> LedgerCounts {
        try await consistentRead { connection in
            let row = try await Self.rows("""
                SELECT (SELECT count(*) FROM run) AS runs, (SELECT count(*) FROM snapshot) AS snapshots,
                       (SELECT count(*) FROM snapshot_total) AS totals, (SELECT count(*) FROM order_interval) AS intervals,
                       (SELECT count(*) FROM order_interval WHERE closed_by_snapshot_id = \(Int64.max)) AS open
                """, on: connection, logger: logger)[0]
            return LedgerCounts(runs: try row.value("runs"), snapshots: try row.value("snapshots"),
                                snapshotTotals: try row.value("totals"), orderIntervals: try row.value("intervals"),
                                openOrderIntervals: try row.value("open"))
        }
    }

    public func snapshot(_ id: SnapshotID) async throws -> SnapshotRecord {
        try await consistentRead { connection in
            guard let record = try await Self.snapshotRecord(id.rawValue, on: connection, logger: logger) else {
                throw LedgerError.unknownSnapshot(id)
            }
            return record
        }
    }

    /// The snapshot recorded just before `id` for the same job and organization.
    public func previousSnapshot(before id: SnapshotID) async throws -> SnapshotRecord? {
        try await consistentRead { connection in
            guard let seriesID = try await Self.rows("SELECT series_id FROM snapshot WHERE id = \(id.rawValue)",
                                                      on: connection, logger: logger).first?.value("series_id", as: Int64.self)
            else { throw LedgerError.unknownSnapshot(id) }
            let previous = try await Self.rows("""
                SELECT max(id) AS id FROM snapshot WHERE series_id = \(seriesID) AND id < \(id.rawValue)
                """, on: connection, logger: logger)[0].value("id", as: Int64?.self)
            guard let previous else { return nil }
            return try await Self.snapshotRecord(previous, on: connection, logger: logger)
        }
    }

    /// The newest snapshot of every series, by job then organization.
    public func latestSnapshotOfEverySeries() async throws -> [SnapshotRecord] {
        try await consistentRead { connection in
            try await Self.snapshotRecords("""
                SELECT s.id FROM snapshot s JOIN series ON series.id = s.series_id
                WHERE s.id IN (SELECT max(id) FROM snapshot GROUP BY series_id)
                ORDER BY series.job, series.organization_id
                """, on: connection, logger: logger)
        }
    }

    /// The latest snapshot of each series fetched at or before `date` (its whole second),
    /// by organization then job.
    public func snapshots(asOf date: Date, organizationID: Int64?, job: String?) async throws -> [SnapshotRecord] {
        try await consistentRead { connection in
            try await Self.snapshotRecords(Self.snapshotIDs(asOf: date, organizationID: organizationID, job: job),
                                           on: connection, logger: logger)
        }
    }

    /// Selects column `id`: the latest snapshot per matching series at or before `date`.
    static func snapshotIDs(asOf date: Date, organizationID: Int64?, job: String?) -> PostgresQuery {
        """
        SELECT latest AS id FROM (
            SELECT series.organization_id, series.job,
                   (SELECT s.id FROM snapshot s WHERE s.series_id = series.id AND s.fetched_at_ms <= \(Instant.endOfSecond(date))
                    ORDER BY s.fetched_at_ms DESC, s.id DESC LIMIT 1) AS latest
            FROM series
            WHERE (\(organizationID)::bigint IS NULL OR organization_id = \(organizationID))
              AND (\(job)::text IS NULL OR job = \(job))
        ) matching WHERE latest IS NOT NULL
        ORDER BY organization_id, job
        """
    }

    /// The records of the snapshots `ids` selects (column `id`), in its order.
    static func snapshotRecords(_ ids: PostgresQuery, on connection: PostgresConnection,
                                logger: Logger) async throws -> [SnapshotRecord] {
        var records: [SnapshotRecord] = []
        for row in try await rows(ids, on: connection, logger: logger) {
            if let record = try await snapshotRecord(try row.value("id"), on: connection, logger: logger) {
                records.append(record)
            }
        }
        return records
    }

    static func snapshotRecord(_ id: Int64, on connection: PostgresConnection, logger: Logger) async throws -> SnapshotRecord? {
        try await PostgresSnapshotRows.records(where: "s.id = \(id)", on: connection, logger: logger).first
    }
}
