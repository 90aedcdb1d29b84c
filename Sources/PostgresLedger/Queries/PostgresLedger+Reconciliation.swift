import Foundation
import Ledger
import PostgresNIO
import UnpaidCore

extension PostgresLedger {
    /// How a snapshot's export compared with `GetOrderAmount`; nil when it was not checked.
    public func reconciliation(of snapshotID: SnapshotID) async throws -> Reconciliation? {
        try await read { connection in
            try await PostgresReconciliationRows.reconciliation(of: snapshotID, on: connection, logger: logger)
        }
    }

    /// Snapshots not found to agree with the second source, newest first; `since`
    /// inclusive, `until` exclusive on the fetch time.
    public func unreconciledSnapshots(job: String?, organizationID: Int64?, since: Date?, until: Date?,
                                      limit: Int?) async throws -> [UnreconciledSnapshot] {
        let since = since.map(Instant.milliseconds), until = until.map(Instant.milliseconds)
        return try await read { connection in
            try await Self.rows("""
                SELECT r.*, s.fetched_at_ms, series.job, series.organization_id FROM snapshot_reconciliation r
                JOIN snapshot s ON s.id = r.snapshot_id JOIN series ON series.id = s.series_id
                WHERE r.status NOT IN ('reconciled', 'not-comparable')
                  AND (\(job)::text IS NULL OR series.job = \(job))
                  AND (\(organizationID)::bigint IS NULL OR series.organization_id = \(organizationID))
                  AND (\(since)::bigint IS NULL OR s.fetched_at_ms >= \(since))
                  AND (\(until)::bigint IS NULL OR s.fetched_at_ms < \(until))
                ORDER BY r.snapshot_id DESC LIMIT \(limit)
                """, on: connection, logger: logger).map { row in
                UnreconciledSnapshot(snapshotID: SnapshotID(rawValue: try row.value("snapshot_id")), job: try row.value("job"),
                                     organizationID: try row.value("organization_id"),
                                     fetchedAt: Instant.date(try row.value("fetched_at_ms")),
                                     reconciliation: try PostgresReconciliationRows.decode(row))
            }
        }
    }
}
