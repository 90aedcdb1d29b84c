import Foundation
import PostgresNIO

/// How replicas share the outbox: a pending row handed to one of them (by `dueDeliveries`
/// or `pendingBatch`) is claimed in `outbox_claim` until its attempt is recorded, so no
/// other replica sends it meanwhile; a claim whose replica died lapses with its lease and
/// the row goes out again, with the same message id (at least once after a crash).
///
/// Claiming takes two statements in one transaction. The first locks the candidate rows
/// (`FOR UPDATE SKIP LOCKED`: replicas claiming at once skip each other's rows instead of
/// waiting). The second, whose snapshot is taken after those locks were granted, sees every
/// claim committed by whoever held a row before, and claims only rows still free: a row
/// whose claim committed between the first statement's snapshot and its lock is not taken
/// twice.
enum PostgresOutboxClaim {
    /// The lease of one delivery, in seconds. An attempt lasts at most its target's
    /// `timeout` (`WebhookTarget` allows 120 s; `CurlWebhookClient` counts the connection
    /// in it), and its outcome is recorded right after; a minute more covers a loaded
    /// machine and a slow database. `DeliveryService` serves a target's messages one after
    /// another, so the k-th row of a target in one claim is leased for k deliveries.
    static let leasePerDelivery: Int64 = 180

    /// A name for one open ledger that tells an operator which host and process it was.
    /// The host's own name, not `ProcessInfo.hostName`, which may wait on DNS.
    static func newClaimant() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        let named = gethostname(&buffer, buffer.count - 1) == 0
        let host = named ? String(decoding: buffer.prefix { $0 != 0 }.map(UInt8.init(bitPattern:)), as: UTF8.self)
            : "unknown host"
        return "\(host) pid \(ProcessInfo.processInfo.processIdentifier) \(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Claims the due rows with `ids`, already locked by this transaction, for `claimant`:
    /// each target's rows leased one delivery more than the one before, in due order.
    /// Returns the ids claimed (those no other live claim holds).
    static func claimDue(_ ids: [Int64], for claimant: String, on connection: PostgresConnection,
                         logger: Logger) async throws -> [Int64] {
        guard !ids.isEmpty else { return [] }
        return try await claimedIDs(connection.query("""
            WITH free AS (
                SELECT o.id, o.target, o.next_attempt_at FROM outbox o
                WHERE o.id = ANY(\(ids)) AND o.status = 'pending' AND NOT EXISTS (
                    SELECT 1 FROM outbox_claim c WHERE c.outbox_id = o.id AND c.claimed_by <> \(claimant)
                      AND c.claimed_until > clock_timestamp())
            ), ranked AS (
                SELECT id, row_number() OVER (PARTITION BY target ORDER BY next_attempt_at, id) AS turn FROM free
            )
            INSERT INTO outbox_claim (outbox_id, claimed_by, claimed_until)
            SELECT id, \(claimant), clock_timestamp() + make_interval(secs => turn * \(leasePerDelivery)) FROM ranked
            ON CONFLICT (outbox_id) DO UPDATE SET claimed_by = excluded.claimed_by, claimed_until = excluded.claimed_until
            RETURNING outbox_id
            """, logger: logger))
    }

    /// Claims the rows with `ids` of `target`, already locked by this transaction, for
    /// `claimant` as one batch: they go out in one digest during the pass that holds the
    /// target's other claims, so they share the longest of those leases (one delivery
    /// when there is none). Returns the ids claimed.
    static func claimBatch(_ ids: [Int64], target: String, for claimant: String, on connection: PostgresConnection,
                           logger: Logger) async throws -> [Int64] {
        guard !ids.isEmpty else { return [] }
        return try await claimedIDs(connection.query("""
            WITH lease AS (
                SELECT coalesce(max(c.claimed_until), clock_timestamp() + make_interval(secs => \(leasePerDelivery)))
                       AS until
                FROM outbox_claim c JOIN outbox o ON o.id = c.outbox_id
                WHERE o.target = \(target) AND c.claimed_by = \(claimant) AND c.claimed_until > clock_timestamp()
            )
            INSERT INTO outbox_claim (outbox_id, claimed_by, claimed_until)
            SELECT o.id, \(claimant), greatest(lease.until, c.claimed_until)
            FROM outbox o CROSS JOIN lease LEFT JOIN outbox_claim c ON c.outbox_id = o.id AND c.claimed_by = \(claimant)
            WHERE o.id = ANY(\(ids)) AND o.status = 'pending' AND NOT EXISTS (
                SELECT 1 FROM outbox_claim other WHERE other.outbox_id = o.id AND other.claimed_by <> \(claimant)
                  AND other.claimed_until > clock_timestamp())
            ON CONFLICT (outbox_id) DO UPDATE SET claimed_by = excluded.claimed_by, claimed_until = excluded.claimed_until
            RETURNING outbox_id
            """, logger: logger))
    }

    /// Gives up any claim on the row (message id, target): its attempt is recorded.
    static func release(messageID: String, target: String, on connection: PostgresConnection, logger: Logger) async throws {
        _ = try await connection.query("""
            DELETE FROM outbox_claim
            WHERE outbox_id = (SELECT id FROM outbox WHERE message_id = \(messageID) AND target = \(target))
            """, logger: logger)
    }

    /// The ids a locking SELECT or a claiming INSERT returned.
    static func claimedIDs(_ rows: PostgresRowSequence) async throws -> [Int64] {
        var ids: [Int64] = []
        for try await id in rows.decode(Int64.self) { ids.append(id) }
        return ids
    }
}
