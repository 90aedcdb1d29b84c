import Foundation
import GRDB
import Ledger
import UnpaidCore

/// The webhook outbox and the alert list. Rows are addressed by (message id, target);
/// updates touch pending rows only, so a finished delivery is never rewritten.
extension SQLiteLedger {
    /// Pending rows due at `now` whose target is not disabled, oldest due first. Rows of
    /// a target in `wholeRuns` wait while their run is still running: that target gets
    /// one message per run, sent once every row of the run is queued.
    public func dueDeliveries(now: Int64, limit: Int, wholeRuns: Set<String> = []) throws -> [OutboxEntry] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?
                  AND target NOT IN (SELECT target FROM target_state)
                  AND NOT \(Self.waitingForItsRun)
                ORDER BY next_attempt_at, id LIMIT ?
                """, arguments: [now, try Self.jsonArray(wholeRuns), limit]).map(Self.outboxEntry)
        }
    }

    /// When the next pending row of an enabled target is due; nil when none is pending
    /// (rows waiting for their run to finish, as in `dueDeliveries`, are not counted).
    public func nextDeliveryDue(wholeRuns: Set<String> = []) throws -> Int64? {
        try pool.read { db in
            try Int64.fetchOne(db, sql: """
                SELECT min(next_attempt_at) FROM outbox WHERE status = 'pending'
                  AND target NOT IN (SELECT target FROM target_state)
                  AND NOT \(Self.waitingForItsRun)
                """, arguments: [try Self.jsonArray(wholeRuns)])
        }
    }

    /// Every pending row of `target` in the same batch as `entry`: queued by the same run,
    /// or, for rows queued outside a run, at the same instant. Oldest first.
    public func pendingBatch(target: String, runID: RunID?, createdAt: Int64) throws -> [OutboxEntry] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM outbox WHERE target = ?1 AND status = 'pending'
                  AND (run_id = ?2 OR (?2 IS NULL AND run_id IS NULL AND created_at = ?3))
                ORDER BY id
                """, arguments: [target, runID?.rawValue, createdAt]).map(Self.outboxEntry)
        }
    }

    /// An outbox row (aliased `outbox`) of a target named in the JSON array bound here,
    /// whose run has not finished.
    private static let waitingForItsRun = """
        (run_id IS NOT NULL AND target IN (SELECT value FROM json_each(?))
         AND EXISTS (SELECT 1 FROM run WHERE run.id = outbox.run_id AND run.status = 'running'))
        """

    private static func jsonArray(_ names: Set<String>) throws -> String {
        String(decoding: try JSONEncoder().encode(names.sorted()), as: UTF8.self)
    }

    public func markDelivered(messageID: String, target: String, attempts: Int, at: Int64) throws {
        try updatePending(messageID: messageID, target: target, sql: """
            status = 'delivered', attempts = ?, finished_at = ?
            """, arguments: [attempts, at])
    }

    /// Moves a pending row to `until` without counting an attempt (its target's quiet hours).
    public func holdDelivery(messageID: String, target: String, until: Int64) throws {
        try updatePending(messageID: messageID, target: target, sql: "next_attempt_at = ?", arguments: [until])
    }

    /// Makes rows of `targets` that quiet hours held (pending, never attempted, due
    /// later) due at `now` again, for their target's new quiet hours to decide; returns
    /// how many. Rows held after a failed attempt keep their time.
    @discardableResult
    public func releaseHeldDeliveries(targets: Set<String>, now: Int64) throws -> Int {
        guard !targets.isEmpty else { return 0 }
        return try pool.write { db in
            try db.execute(sql: """
                UPDATE outbox SET next_attempt_at = ?1
                WHERE status = 'pending' AND attempts = 0 AND next_attempt_at > ?1
                  AND target IN (SELECT value FROM json_each(?2))
                """, arguments: [now, try Self.jsonArray(targets)])
            return db.changesCount
        }
    }

    public func markRetry(messageID: String, target: String, attempts: Int, nextAttemptAt: Int64,
                          lastError: String) throws {
        try updatePending(messageID: messageID, target: target, sql: """
            attempts = ?, next_attempt_at = ?, last_error = ?
            """, arguments: [attempts, nextAttemptAt, lastError])
    }

    public func markDead(messageID: String, target: String, attempts: Int, reason: String, at: Int64) throws {
        try updatePending(messageID: messageID, target: target, sql: """
            status = 'dead', attempts = ?, last_error = ?, finished_at = max(?, created_at)
            """, arguments: [attempts, reason, at])
    }

    private func updatePending(messageID: String, target: String, sql: String, arguments: StatementArguments) throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE outbox SET " + sql + " WHERE message_id = ? AND target = ? AND status = 'pending'",
                           arguments: arguments + [messageID, target])
        }
    }

    /// Sends dead rows back to pending with the same message ids, due now (`unpaidd
    /// deliveries --retry-dead`): only those of `target` and dead at or after `since`
    /// (Unix seconds) when given. Each death is kept in `outbox_requeue` first, which is
    /// the one way the schema lets a finished row change; the delivery age counts again
    /// from the requeue. Returns the rows as they are now, oldest first.
    public func retryDead(target: String? = nil, since: Int64? = nil, now: Int64) throws -> [OutboxEntry] {
        try pool.write { db in
            let dead = try Row.fetchAll(db, sql: """
                SELECT * FROM outbox WHERE status = 'dead' AND (?1 IS NULL OR target = ?1)
                  AND (?2 IS NULL OR finished_at >= ?2) ORDER BY id
                """, arguments: [target, since]).map(Self.outboxEntry)
            for entry in dead {
                // Strictly later than any earlier requeue and never before the row existed.
                let at = max(now, entry.createdAt, (entry.requeuedAt ?? Int64.min) + 1)
                try db.execute(sql: """
                    INSERT INTO outbox_requeue (outbox_id, requeued_at, died_at, attempts, last_error)
                    VALUES (?, ?, ?, ?, ?)
                    """, arguments: [entry.id, at, entry.finishedAt, entry.attempts, entry.lastError])
                try db.execute(sql: """
                    UPDATE outbox SET status = 'pending', finished_at = NULL, next_attempt_at = ?, requeued_at = ?
                    WHERE id = ?
                    """, arguments: [at, at, entry.id])
            }
            return try dead.map { entry in
                try Row.fetchOne(db, sql: "SELECT * FROM outbox WHERE id = ?", arguments: [entry.id]).map(Self.outboxEntry)!
            }
        }
    }

    /// Stops delivery to `target` until `enableTarget`; its pending rows wait, visible.
    public func disableTarget(_ target: String, reason: String, at: Int64) throws {
        try pool.write { db in
            try db.execute(sql: """
                INSERT INTO target_state (target, disabled_at, reason) VALUES (?, ?, ?)
                ON CONFLICT (target) DO NOTHING
                """, arguments: [target, at, reason])
        }
    }

    /// Resumes delivery to a target (after its URL was fixed); true if it was disabled.
    @discardableResult
    public func enableTarget(_ target: String) throws -> Bool {
        try pool.write { db in
            try db.execute(sql: "DELETE FROM target_state WHERE target = ?", arguments: [target])
            return db.changesCount > 0
        }
    }

    public func disabledTargets() throws -> [DisabledTarget] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM target_state ORDER BY target").map {
                DisabledTarget(target: $0["target"], disabledAt: $0["disabled_at"], reason: $0["reason"])
            }
        }
    }

    /// Outbox rows, newest first, optionally only those with `status`.
    public func deliveries(status: DeliveryStatus? = nil, limit: Int? = nil) throws -> [OutboxEntry] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM outbox WHERE ?1 IS NULL OR status = ?1 ORDER BY id DESC LIMIT ?2
                """, arguments: [status?.rawValue, limit ?? -1]).map(Self.outboxEntry)
        }
    }

    /// Alerts with their last notification, firing first, then by identity.
    public func alerts(status: AlertState.Status? = nil) throws -> [StoredAlert] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT a.*, (SELECT o.notification_json FROM outbox o WHERE o.identity_key = a.identity_key
                             ORDER BY o.id DESC LIMIT 1) AS last_notification
                FROM alert_state a WHERE ?1 IS NULL OR a.status = ?1
                ORDER BY a.status = 'resolved', a.rule, a.job, a.organization_id, a.currency
                """, arguments: [status?.rawValue]).map { row in
                let text: String? = row["last_notification"]
                return StoredAlert(state: try Self.alertState(row), lastNotification: try text.map {
                    try LedgerJSON.decode(AlertNotification.self, $0, table: "outbox", rowID: 0, column: "notification_json")
                })
            }
        }
    }

    static func outboxEntry(_ row: Row) throws -> OutboxEntry {
        let id: Int64 = row["id"]
        let statusText: String = row["status"]
        guard let status = DeliveryStatus(rawValue: statusText) else {
            throw LedgerError.corruptValue(table: "outbox", rowID: id, column: "status", value: statusText)
        }
        return OutboxEntry(
            id: id, notification: try LedgerJSON.decode(AlertNotification.self, row["notification_json"],
                                                         table: "outbox", rowID: id, column: "notification_json"),
            target: row["target"], createdAt: row["created_at"], attempts: row["attempts"],
            nextAttemptAt: row["next_attempt_at"], status: status, lastError: row["last_error"],
            finishedAt: row["finished_at"], requeuedAt: row["requeued_at"],
            runID: (row["run_id"] as Int64?).map(RunID.init(rawValue:)))
    }
}
