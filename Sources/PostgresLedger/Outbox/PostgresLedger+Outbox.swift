import Foundation
import Ledger
import PostgresNIO
import UnpaidCore

/// The webhook outbox, drained by every replica: the same rows, order and errors as
/// `SQLiteLedger`, except that a pending row handed out for delivery is claimed (see
/// ``PostgresOutboxClaim``) until its attempt is recorded. Rows are addressed by
/// (message id, target); updates touch pending rows only.
extension PostgresLedger: OutboxLedger {
    /// Pending rows due at `now` whose target is not disabled and that no other replica
    /// holds, oldest due first, now claimed by this ledger. Rows of a target in
    /// `wholeRuns` wait while their run is still running.
    public func dueDeliveries(now: Int64, limit: Int, wholeRuns: Set<String> = []) async throws -> [OutboxEntry] {
        try await write { connection in
            let locked = try await PostgresOutboxClaim.claimedIDs(connection.query("""
                SELECT o.id FROM outbox o
                WHERE o.status = 'pending' AND o.next_attempt_at <= \(now)
                  AND o.target NOT IN (SELECT target FROM target_state)
                  AND NOT (o.run_id IS NOT NULL AND o.target = ANY(\(wholeRuns.sorted()))
                           AND EXISTS (SELECT 1 FROM run WHERE run.id = o.run_id AND run.status = 'running'))
                  AND NOT EXISTS (SELECT 1 FROM outbox_claim c WHERE c.outbox_id = o.id AND c.claimed_by <> \(claimant)
                                  AND c.claimed_until > clock_timestamp())
                ORDER BY o.next_attempt_at, o.id LIMIT \(Self.sqlLimit(limit))
                FOR UPDATE OF o SKIP LOCKED
                """, logger: logger))
            let claimed = try await PostgresOutboxClaim.claimDue(locked, for: claimant, on: connection, logger: logger)
            return try await Self.rows("""
                SELECT * FROM outbox WHERE id = ANY(\(claimed)) ORDER BY next_attempt_at, id
                """, on: connection, logger: logger).map(Self.outboxEntry)
        }
    }

    /// When the next pending row of an enabled target is due; nil when none is pending
    /// (rows waiting for their run to finish, as in `dueDeliveries`, are not counted). A
    /// row another replica holds is due, for this one, when that claim lapses.
    public func nextDeliveryDue(wholeRuns: Set<String> = []) async throws -> Int64? {
        try await read { connection in
            let rows = try await connection.query("""
                SELECT min(CASE WHEN c.claimed_by <> \(claimant) AND c.claimed_until > clock_timestamp()
                                THEN greatest(o.next_attempt_at, ceil(extract(epoch FROM c.claimed_until))::BIGINT)
                                ELSE o.next_attempt_at END)
                FROM outbox o LEFT JOIN outbox_claim c ON c.outbox_id = o.id
                WHERE o.status = 'pending' AND o.target NOT IN (SELECT target FROM target_state)
                  AND NOT (o.run_id IS NOT NULL AND o.target = ANY(\(wholeRuns.sorted()))
                           AND EXISTS (SELECT 1 FROM run WHERE run.id = o.run_id AND run.status = 'running'))
                """, logger: logger)
            for try await due in rows.decode(Int64?.self) { return due }
            return nil
        }
    }

    /// Every pending row of `target` in the same batch as `entry` that no other replica
    /// holds: queued by the same run, or, for rows queued outside a run, at the same
    /// instant. Oldest first, now claimed by this ledger, since they go out together.
    public func pendingBatch(target: String, runID: RunID?, createdAt: Int64) async throws -> [OutboxEntry] {
        try await write { connection in
            let locked = try await PostgresOutboxClaim.claimedIDs(connection.query("""
                SELECT o.id FROM outbox o
                WHERE o.target = \(target) AND o.status = 'pending'
                  AND (o.run_id = \(runID?.rawValue)
                       OR (\(runID?.rawValue)::BIGINT IS NULL AND o.run_id IS NULL AND o.created_at = \(createdAt)))
                ORDER BY o.id FOR UPDATE OF o SKIP LOCKED
                """, logger: logger))
            let claimed = try await PostgresOutboxClaim.claimBatch(locked, target: target, for: claimant, on: connection,
                                                                   logger: logger)
            return try await Self.rows("SELECT * FROM outbox WHERE id = ANY(\(claimed)) ORDER BY id",
                                       on: connection, logger: logger).map(Self.outboxEntry)
        }
    }

    public func markDelivered(messageID: String, target: String, attempts: Int, at: Int64) async throws {
        try await updatePending(messageID: messageID, target: target, """
            UPDATE outbox SET status = 'delivered', attempts = \(attempts), finished_at = \(at)
            WHERE message_id = \(messageID) AND target = \(target) AND status = 'pending'
            """)
    }

    /// Moves a pending row to `until` without counting an attempt (its target's quiet hours).
    public func holdDelivery(messageID: String, target: String, until: Int64) async throws {
        try await updatePending(messageID: messageID, target: target, """
            UPDATE outbox SET next_attempt_at = \(until)
            WHERE message_id = \(messageID) AND target = \(target) AND status = 'pending'
            """)
    }

    /// Makes rows of `targets` that quiet hours held (pending, never attempted, due
    /// later) due at `now` again, for their target's new quiet hours to decide; returns
    /// how many. Rows held after a failed attempt keep their time.
    @discardableResult
    public func releaseHeldDeliveries(targets: Set<String>, now: Int64) async throws -> Int {
        guard !targets.isEmpty else { return 0 }
        return try await write { connection in
            try await PostgresOutboxClaim.claimedIDs(connection.query("""
                UPDATE outbox SET next_attempt_at = \(now)
                WHERE status = 'pending' AND attempts = 0 AND next_attempt_at > \(now) AND target = ANY(\(targets.sorted()))
                RETURNING id
                """, logger: logger)).count
        }
    }

    public func markRetry(messageID: String, target: String, attempts: Int, nextAttemptAt: Int64,
                          lastError: String) async throws {
        try await updatePending(messageID: messageID, target: target, """
            UPDATE outbox SET attempts = \(attempts), next_attempt_at = \(nextAttemptAt), last_error = \(lastError)
            WHERE message_id = \(messageID) AND target = \(target) AND status = 'pending'
            """)
    }

    public func markDead(messageID: String, target: String, attempts: Int, reason: String, at: Int64) async throws {
        try await updatePending(messageID: messageID, target: target, """
            UPDATE outbox SET status = 'dead', attempts = \(attempts), last_error = \(reason),
                              finished_at = greatest(\(at), created_at)
            WHERE message_id = \(messageID) AND target = \(target) AND status = 'pending'
            """)
    }

    /// Records an attempt's outcome (or a hold) and gives up the row's claim, in one
    /// transaction: the row is free for whichever replica finds it due next.
    private func updatePending(messageID: String, target: String, _ update: PostgresQuery) async throws {
        try await write { connection in
            _ = try await connection.query(update, logger: logger)
            try await PostgresOutboxClaim.release(messageID: messageID, target: target, on: connection, logger: logger)
        }
    }

    /// A LIMIT as SQLite reads one: negative means none.
    static func sqlLimit(_ limit: Int?) -> Int? {
        limit.flatMap { $0 < 0 ? nil : $0 }
    }
}
