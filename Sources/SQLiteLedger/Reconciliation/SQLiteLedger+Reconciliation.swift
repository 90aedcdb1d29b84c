import Foundation
import GRDB
import Ledger
import UnpaidCore

extension SQLiteLedger {
    /// How a snapshot's export compared with `GetOrderAmount`; nil when it was not checked.
    public func reconciliation(of snapshotID: SnapshotID) throws -> Reconciliation? {
        try pool.read { db in try Self.reconciliation(of: snapshotID, in: db) }
    }

    /// Snapshots whose export was not found to agree with the second source (mismatch,
    /// moved during the fetch, unavailable), newest first: what an audit marks as
    /// unreconciled. Snapshots recorded without a check are not listed. `since` is
    /// inclusive, `until` exclusive (on the fetch time).
    ///
    /// The same in SQL, for reports and BI tools:
    /// `SELECT s.id, r.status, r.reason FROM snapshot s JOIN snapshot_reconciliation r
    ///  ON r.snapshot_id = s.id WHERE r.status NOT IN ('reconciled', 'not-comparable')`.
    public func unreconciledSnapshots(job: String? = nil, organizationID: Int64? = nil, since: Date? = nil,
                                      until: Date? = nil, limit: Int? = nil) throws -> [UnreconciledSnapshot] {
        try pool.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT r.*, s.fetched_at_ms, series.job, series.organization_id FROM snapshot_reconciliation r
                JOIN snapshot s ON s.id = r.snapshot_id JOIN series ON series.id = s.series_id
                WHERE r.status NOT IN ('reconciled', 'not-comparable')
                  AND (?1 IS NULL OR series.job = ?1) AND (?2 IS NULL OR series.organization_id = ?2)
                  AND (?3 IS NULL OR s.fetched_at_ms >= ?3) AND (?4 IS NULL OR s.fetched_at_ms < ?4)
                ORDER BY r.snapshot_id DESC LIMIT ?5
                """, arguments: [job, organizationID, since.map(Instant.milliseconds), until.map(Instant.milliseconds),
                                 limit ?? -1])
            return try rows.map { row in
                UnreconciledSnapshot(snapshotID: SnapshotID(rawValue: row["snapshot_id"]), job: row["job"],
                                     organizationID: row["organization_id"],
                                     fetchedAt: Instant.date(row["fetched_at_ms"]),
                                     reconciliation: try Self.reconciliation(row))
            }
        }
    }

    static func reconciliation(of snapshotID: SnapshotID, in db: Database) throws -> Reconciliation? {
        try Row.fetchOne(db, sql: "SELECT * FROM snapshot_reconciliation WHERE snapshot_id = ?",
                         arguments: [snapshotID.rawValue]).map(reconciliation)
    }

    static func insert(_ reconciliation: Reconciliation, snapshotID: SnapshotID, in db: Database) throws {
        func columns(_ reading: AmountReading) -> [(any DatabaseValueConvertible)?] {
            switch reading {
            case .answered(let answer): [answer.count, answer.amount.description, answer.requestID, nil]
            case .unavailable(let failure): [nil, nil, failure.requestID, failure.reason]
            }
        }
        let values: [(any DatabaseValueConvertible)?] =
            [snapshotID.rawValue, reconciliation.status.rawValue, reconciliation.exportCount,
             reconciliation.exportAmount?.description]
            + columns(reconciliation.before) + columns(reconciliation.after)
            + [reconciliation.refetched, reconciliation.reason]
        try db.execute(sql: """
            INSERT INTO snapshot_reconciliation (snapshot_id, status, export_count, export_amount_text,
                before_count, before_amount_text, before_request_id, before_error,
                after_count, after_amount_text, after_request_id, after_error, refetched, reason)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: StatementArguments(values))
    }

    private static func reconciliation(_ row: Row) throws -> Reconciliation {
        let snapshotID: Int64 = row["snapshot_id"]
        func corrupt(_ column: String, _ value: String) -> LedgerError {
            .corruptValue(table: "snapshot_reconciliation", rowID: snapshotID, column: column, value: value)
        }
        func money(_ column: String) throws -> Money? {
            guard let text: String = row[column] else { return nil }
            guard let amount = try? Money(text) else { throw corrupt(column, text) }
            return amount
        }
        func reading(_ prefix: String) throws -> AmountReading {
            let requestID: String? = row["\(prefix)_request_id"]
            if let count: Int64 = row["\(prefix)_count"], let amount = try money("\(prefix)_amount_text") {
                return .answered(AmountAnswer(count: count, amount: amount, requestID: requestID))
            }
            let error: String = row["\(prefix)_error"] ?? ""
            return .unavailable(AmountUnavailable(reason: error, actionRefused: false, requestID: requestID))
        }
        let statusText: String = row["status"]
        guard let status = ReconciliationStatus(rawValue: statusText) else { throw corrupt("status", statusText) }
        return Reconciliation(status: status, exportCount: row["export_count"],
                              exportAmount: try money("export_amount_text"), before: try reading("before"),
                              after: try reading("after"), refetched: row["refetched"], reason: row["reason"])
    }
}
