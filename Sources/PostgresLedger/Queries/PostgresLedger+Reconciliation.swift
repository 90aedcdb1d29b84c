import Foundation
import Ledger
import PostgresNIO
import UnpaidCore

extension PostgresLedger {
    /// How a snapshot's export compared with `GetOrderAmount`; nil when it was not checked.
    public func reconciliation(of snapshotID: SnapshotID) async throws -> Reconciliation? {
        try await read { connection in try await PostgresReconciliationRows.reconciliation(of: snapshotID, on: connection, logger: logger) }
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
                                     reconciliation: try Self.reconciliation(row))
            }
        }
    }

    /// A row of `SELECT r.* FROM snapshot_reconciliation r`, as listed by `unreconciledSnapshots`.
    private static func reconciliation(_ row: PostgresRandomAccessRow) throws -> Reconciliation {
        let snapshotID: Int64 = try row.value("snapshot_id")
        let table = "snapshot_reconciliation"
        func reading(_ prefix: String) throws -> AmountReading {
            let requestID: String? = try row.value("\(prefix)_request_id")
            if let count = try row.value("\(prefix)_count", as: Int64?.self),
               let amount = try row.optionalMoney("\(prefix)_amount_text", table: table, rowID: snapshotID) {
                return .answered(AmountAnswer(count: count, amount: amount, requestID: requestID))
            }
            let error = try row.value("\(prefix)_error", as: String?.self) ?? ""
            return .unavailable(AmountUnavailable(reason: error, actionRefused: false, requestID: requestID))
        }
        let statusText: String = try row.value("status")
        guard let status = ReconciliationStatus(rawValue: statusText) else {
            throw LedgerError.corruptValue(table: table, rowID: snapshotID, column: "status", value: statusText)
        }
        return Reconciliation(status: status, exportCount: try row.value("export_count"),
                              exportAmount: try row.optionalMoney("export_amount_text", table: table, rowID: snapshotID),
                              before: try reading("before"), after: try reading("after"),
                              refetched: try row.value("refetched", as: Int32.self) != 0, reason: try row.value("reason"))
    }
}
