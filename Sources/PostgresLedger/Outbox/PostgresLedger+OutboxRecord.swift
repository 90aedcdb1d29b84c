import Foundation
import Ledger
import PostgresNIO
import UnpaidCore

/// What operators do with the outbox and read of it: requeue the dead, disable and enable
/// targets, list deliveries, counts and alerts. The same rows and order as `SQLiteLedger`.
extension PostgresLedger {
    /// Sends dead rows back to pending with the same message ids, due now (`unpaidd
    /// deliveries --retry-dead`): only those of `target` and dead at or after `since`
    /// when given. Each death is kept in `outbox_requeue` first, which is the one way the
    /// schema lets a finished row change; the delivery age counts again from the requeue.
    /// Returns the rows as they are now, oldest first.
    public func retryDead(target: String? = nil, since: Int64? = nil, now: Int64) async throws -> [OutboxEntry] {
        try await write { connection in
            let dead = try await Self.rows("""
                SELECT * FROM outbox WHERE status = 'dead' AND (\(target)::TEXT IS NULL OR target = \(target))
                  AND (\(since)::BIGINT IS NULL OR finished_at >= \(since)) ORDER BY id
                """, on: connection, logger: logger).map(Self.outboxEntry)
            var requeued: [OutboxEntry] = []
            for entry in dead {
                // Strictly later than any earlier requeue and never before the row existed.
                let at = max(now, entry.createdAt, (entry.requeuedAt ?? Int64.min) + 1)
                _ = try await connection.query("""
                    INSERT INTO outbox_requeue (outbox_id, requeued_at, died_at, attempts, last_error)
                    VALUES (\(entry.id), \(at), \(entry.finishedAt), \(entry.attempts), \(entry.lastError))
                    """, logger: logger)
                requeued += try await Self.rows("""
                    UPDATE outbox SET status = 'pending', finished_at = NULL, next_attempt_at = \(at), requeued_at = \(at)
                    WHERE id = \(entry.id) RETURNING *
                    """, on: connection, logger: logger).map(Self.outboxEntry)
            }
            return requeued
        }
    }

    /// Stops delivery to `target` until `enableTarget`; its pending rows wait, visible.
    public func disableTarget(_ target: String, reason: String, at: Int64) async throws {
        _ = try await write { connection in
            try await connection.query("""
                INSERT INTO target_state (target, disabled_at, reason) VALUES (\(target), \(at), \(reason))
                ON CONFLICT (target) DO NOTHING
                """, logger: logger)
        }
    }

    /// Resumes delivery to a target (after its URL was fixed); true if it was disabled.
    @discardableResult
    public func enableTarget(_ target: String) async throws -> Bool {
        try await write { connection in
            try await PostgresOutboxClaim.claimedIDs(connection.query(
                "DELETE FROM target_state WHERE target = \(target) RETURNING 1::BIGINT", logger: logger)).count > 0
        }
    }

    public func disabledTargets() async throws -> [DisabledTarget] {
        try await read { connection in
            try await Self.rows("SELECT * FROM target_state ORDER BY target", on: connection, logger: logger).map {
                DisabledTarget(target: try $0.value("target"), disabledAt: try $0.value("disabled_at"),
                               reason: try $0.value("reason"))
            }
        }
    }

    /// Outbox rows, newest first, optionally only those with `status`.
    public func deliveries(status: DeliveryStatus? = nil, limit: Int? = nil) async throws -> [OutboxEntry] {
        try await read { connection in
            try await Self.rows("""
                SELECT * FROM outbox WHERE \(status?.rawValue)::TEXT IS NULL OR status = \(status?.rawValue)
                ORDER BY id DESC LIMIT \(Self.sqlLimit(limit))
                """, on: connection, logger: logger).map(Self.outboxEntry)
        }
    }

    public func outboxCounts() async throws -> [OutboxCount] {
        try await read { connection in
            try await Self.rows("""
                SELECT target, status, count(*) AS n FROM outbox GROUP BY target, status ORDER BY target, status COLLATE "C"
                """, on: connection, logger: logger).map { row in
                let text: String = try row.value("status")
                guard let status = DeliveryStatus(rawValue: text) else {
                    throw LedgerError.corruptValue(table: "outbox", rowID: 0, column: "status", value: text)
                }
                return OutboxCount(target: try row.value("target"), status: status, count: try row.value("n", as: Int.self))
            }
        }
    }

    /// Alerts with their last notification, firing first, then by identity (in byte order,
    /// an alert about the pipeline, without currency, before those of its currencies).
    public func alerts(status: AlertState.Status? = nil) async throws -> [StoredAlert] {
        try await read { connection in
            try await Self.rows("""
                SELECT a.*, (SELECT o.notification_json FROM outbox o WHERE o.identity_key = a.identity_key
                             ORDER BY o.id DESC LIMIT 1) AS last_notification
                FROM alert_state a WHERE \(status?.rawValue)::TEXT IS NULL OR a.status = \(status?.rawValue)
                ORDER BY a.status = 'resolved', a.rule COLLATE "C", a.job, a.organization_id, a.currency NULLS FIRST
                """, on: connection, logger: logger).map { row in
                let text = try row.value("last_notification", as: String?.self)
                return StoredAlert(state: try PostgresAlertRows.state(row), lastNotification: try text.map {
                    try LedgerJSON.decode(AlertNotification.self, $0, table: "outbox", rowID: 0, column: "notification_json")
                })
            }
        }
    }

    static func outboxEntry(_ row: PostgresRandomAccessRow) throws -> OutboxEntry {
        let id: Int64 = try row.value("id")
        let statusText: String = try row.value("status")
        guard let status = DeliveryStatus(rawValue: statusText) else {
            throw LedgerError.corruptValue(table: "outbox", rowID: id, column: "status", value: statusText)
        }
        return OutboxEntry(
            id: id, notification: try LedgerJSON.decode(AlertNotification.self, try row.value("notification_json"),
                                                         table: "outbox", rowID: id, column: "notification_json"),
            target: try row.value("target"), createdAt: try row.value("created_at"),
            attempts: try row.value("attempts", as: Int.self), nextAttemptAt: try row.value("next_attempt_at"),
            status: status, lastError: try row.value("last_error"), finishedAt: try row.value("finished_at"),
            requeuedAt: try row.value("requeued_at"), runID: try row.value("run_id", as: Int64?.self).map(RunID.init(rawValue:)))
    }
}
