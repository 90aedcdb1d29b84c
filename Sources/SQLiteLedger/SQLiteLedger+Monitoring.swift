import GRDB
import Ledger
import UnpaidCore

extension SQLiteLedger {
    /// The newest snapshot of every series (job and organization), ordered by job then
    /// organization: what monitoring shows as "unpaid now" and "last success".
    public func latestSnapshotOfEverySeries() throws -> [SnapshotRecord] {
        try pool.read { db in
            try Self.snapshots(where: """
                s.id IN (SELECT max(id) FROM snapshot GROUP BY series_id)
                ORDER BY series.job, series.organization_id
                """, arguments: [], in: db)
        }
    }

    /// Outbox messages per target and status, for gauges: a backlog shows as pending
    /// messages that do not go down.
    public func outboxCounts() throws -> [OutboxCount] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT target, status, count(*) AS n FROM outbox GROUP BY target, status ORDER BY target, status")
                .map { row in
                    let text: String = row["status"]
                    guard let status = DeliveryStatus(rawValue: text) else {
                        throw LedgerError.corruptValue(table: "outbox", rowID: 0, column: "status", value: text)
                    }
                    return OutboxCount(target: row["target"], status: status, count: row["n"])
                }
        }
    }
}
