import Foundation
import PostgresNIO

/// The answer to a fire claim (see `work_fire`).
public enum PostgresFireClaim: Sendable, Equatable {
    case won(leaseUntil: Date)
    case taken(by: String)
    case superseded(newest: Date)
}

/// One organization of a fire as `work_item` holds it.
public struct PostgresWorkItem: Sendable, Equatable {
    public let organizationID: Int64
    public let leaseOwner: String?
    /// The lease has not expired by the database's clock.
    public let leaseIsLive: Bool
    /// `recorded` or `failed` once finished.
    public let outcome: String?
    public let snapshotID: Int64?
}

/// The work claims of replicas sharing this database, in SQL. Every lease is measured on the
/// database's clock (`clock_timestamp()`), so replicas' clocks never decide who holds what.
/// Organizations are taken with `FOR UPDATE SKIP LOCKED`, so replicas taking at once never
/// wait for each other nor take the same one.
extension PostgresLedger {
    /// Claims (job, scheduled instant) for `replica` unless it, or a later fire of the job,
    /// was claimed before. A per-job advisory lock orders concurrent claims of one job, so
    /// "a later fire was claimed" is decided on committed rows.
    public func claimFire(job: String, scheduledAt: Date, replica: String, leaseSeconds: Double) async throws
        -> PostgresFireClaim {
        try await write { connection in
            _ = try await connection.query("SELECT pg_advisory_xact_lock(1970170209, hashtext(\(job)))", logger: logger)
            let newest = try await connection.query("""
                SELECT claimed_by, scheduled_at FROM work_fire WHERE job = \(job) AND scheduled_at >= \(scheduledAt)
                ORDER BY scheduled_at DESC LIMIT 1
                """, logger: logger)
            for try await (claimedBy, newestAt) in newest.decode((String, Date).self) {
                return newestAt == scheduledAt ? .taken(by: claimedBy) : .superseded(newest: newestAt)
            }
            let rows = try await connection.query("""
                INSERT INTO work_fire (job, scheduled_at, claimed_by, claimed_at, lease_owner, lease_until)
                VALUES (\(job), \(scheduledAt), \(replica), clock_timestamp(), \(replica),
                        clock_timestamp() + make_interval(secs => \(leaseSeconds)))
                RETURNING lease_until
                """, logger: logger)
            for try await until in rows.decode(Date.self) { return .won(leaseUntil: until) }
            throw PostgresLedgerError.invariantViolated(table: "work_fire", constraint: nil,
                                                        detail: "claiming fire \(job) at \(scheduledAt) returned no row")
        }
    }

    /// Extends `replica`'s lease on the fire; nil when another replica holds it now.
    public func renewFire(job: String, scheduledAt: Date, replica: String, leaseSeconds: Double) async throws -> Date? {
        try await first(Date.self, """
            UPDATE work_fire SET lease_until = clock_timestamp() + make_interval(secs => \(leaseSeconds))
            WHERE job = \(job) AND scheduled_at = \(scheduledAt) AND lease_owner = \(replica)
            RETURNING lease_until
            """)
    }

    public func releaseFire(job: String, scheduledAt: Date, replica: String) async throws {
        _ = try await write { connection in
            try await connection.query("""
                UPDATE work_fire SET lease_owner = NULL
                WHERE job = \(job) AND scheduled_at = \(scheduledAt) AND lease_owner = \(replica)
                """, logger: logger)
        }
    }

    /// The oldest unfinished fire of `jobs` whose lease expired or was given back while
    /// organizations are free (or none was ever opened), now leased to `replica`.
    public func claimAbandonedFire(jobs: [String], replica: String, leaseSeconds: Double) async throws
        -> (job: String, scheduledAt: Date, leaseUntil: Date)? {
        try await first((String, Date, Date).self, """
            UPDATE work_fire SET lease_owner = \(replica),
                   lease_until = clock_timestamp() + make_interval(secs => \(leaseSeconds))
            WHERE (job, scheduled_at) = (
                SELECT w.job, w.scheduled_at FROM work_fire w
                WHERE w.completed_at IS NULL AND w.job = ANY(\(jobs))
                  AND (w.lease_owner IS NULL OR w.lease_until <= clock_timestamp())
                  AND (NOT w.opened OR EXISTS (
                      SELECT 1 FROM work_item i
                      WHERE i.job = w.job AND i.scheduled_at = w.scheduled_at AND i.outcome IS NULL
                        AND (i.lease_owner IS NULL OR i.lease_until <= clock_timestamp())))
                ORDER BY w.scheduled_at, w.job LIMIT 1 FOR UPDATE OF w SKIP LOCKED)
            RETURNING job, scheduled_at, lease_until
            """).map { (job: $0.0, scheduledAt: $0.1, leaseUntil: $0.2) }
    }

    /// Makes `organizations` the fire's items if its holder `replica` has not opened it yet;
    /// none at all completes the fire.
    public func openItems(job: String, scheduledAt: Date, replica: String, organizations: [Int64]) async throws {
        try await write { connection in
            let opened = try await connection.query("""
                UPDATE work_fire SET opened = TRUE,
                       completed_at = CASE WHEN cardinality(\(organizations)::BIGINT[]) = 0 THEN clock_timestamp() END
                WHERE job = \(job) AND scheduled_at = \(scheduledAt) AND lease_owner = \(replica) AND NOT opened
                RETURNING 1
                """, logger: logger)
            var didOpen = false
            for try await _ in opened.decode(Int.self) { didOpen = true }
            guard didOpen, !organizations.isEmpty else { return }
            _ = try await connection.query("""
                INSERT INTO work_item (job, scheduled_at, organization_id)
                SELECT DISTINCT \(job), \(scheduledAt)::TIMESTAMPTZ, unnest(\(organizations)::BIGINT[])
                """, logger: logger)
        }
    }

    /// The lowest-numbered free organization of the fire, now leased to `replica`.
    public func claimItem(job: String, scheduledAt: Date, replica: String, leaseSeconds: Double) async throws
        -> (organizationID: Int64, leaseUntil: Date)? {
        try await first((Int64, Date).self, """
            UPDATE work_item SET lease_owner = \(replica),
                   lease_until = clock_timestamp() + make_interval(secs => \(leaseSeconds))
            WHERE job = \(job) AND scheduled_at = \(scheduledAt) AND organization_id = (
                SELECT organization_id FROM work_item
                WHERE job = \(job) AND scheduled_at = \(scheduledAt) AND outcome IS NULL
                  AND (lease_owner IS NULL OR lease_until <= clock_timestamp())
                ORDER BY organization_id LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING organization_id, lease_until
            """).map { (organizationID: $0.0, leaseUntil: $0.1) }
    }

    /// Extends `replica`'s lease on the organization; nil when another replica holds it now.
    /// An organization `replica` finished (its snapshot's transaction does) is still its
    /// own: its lease comes back unchanged, so a renewal racing the recording is not "lost".
    public func renewItem(job: String, scheduledAt: Date, organizationID: Int64, replica: String,
                          leaseSeconds: Double) async throws -> Date? {
        try await write { connection in
            let renewed = try await connection.query("""
                UPDATE work_item SET lease_until = clock_timestamp() + make_interval(secs => \(leaseSeconds))
                WHERE job = \(job) AND scheduled_at = \(scheduledAt) AND organization_id = \(organizationID)
                  AND lease_owner = \(replica) AND outcome IS NULL
                RETURNING lease_until
                """, logger: logger)
            for try await until in renewed.decode(Date.self) { return until }
            // A statement of its own, so it sees a recording that committed while the
            // UPDATE above waited for the row.
            let finished = try await connection.query("""
                SELECT lease_until FROM work_item
                WHERE job = \(job) AND scheduled_at = \(scheduledAt) AND organization_id = \(organizationID)
                  AND lease_owner = \(replica) AND outcome IS NOT NULL
                """, logger: logger)
            for try await until in finished.decode(Date.self) { return until }
            return nil
        }
    }

    /// Marks the organization finished if `replica` still holds it, and the fire complete
    /// with its last organization. True too when `replica` finished it already with this
    /// same outcome (recording its snapshot did), changing nothing; false when the lease
    /// was lost to another replica.
    public func finishItem(job: String, scheduledAt: Date, organizationID: Int64, replica: String,
                           snapshotID: Int64?) async throws -> Bool {
        try await write { connection in
            if try await PostgresWorkItemRows.finish(job: job, scheduledAt: scheduledAt, organizationID: organizationID,
                                                     owner: replica, snapshotID: snapshotID, on: connection,
                                                     logger: logger) {
                return true
            }
            return try await PostgresWorkItemRows.isFinished(job: job, scheduledAt: scheduledAt,
                                                             organizationID: organizationID, owner: replica,
                                                             snapshotID: snapshotID, on: connection, logger: logger)
        }
    }

    /// Gives an unfinished organization back, free for any replica at once.
    public func releaseItem(job: String, scheduledAt: Date, organizationID: Int64, replica: String) async throws {
        _ = try await write { connection in
            try await connection.query("""
                UPDATE work_item SET lease_owner = NULL, lease_until = '-infinity'
                WHERE job = \(job) AND scheduled_at = \(scheduledAt) AND organization_id = \(organizationID)
                  AND lease_owner = \(replica) AND outcome IS NULL
                """, logger: logger)
        }
    }

    /// The fire's organizations, or nil when the fire was never claimed.
    public func workItems(job: String, scheduledAt: Date) async throws -> [PostgresWorkItem]? {
        try await read { connection in
            let fire = try await connection.query(
                "SELECT 1 FROM work_fire WHERE job = \(job) AND scheduled_at = \(scheduledAt)", logger: logger)
            var claimed = false
            for try await _ in fire.decode(Int.self) { claimed = true }
            guard claimed else { return nil }
            let rows = try await connection.query("""
                SELECT organization_id, lease_owner, lease_until > clock_timestamp(), outcome, snapshot_id
                FROM work_item WHERE job = \(job) AND scheduled_at = \(scheduledAt) ORDER BY organization_id
                """, logger: logger)
            var items: [PostgresWorkItem] = []
            for try await (organization, owner, live, outcome, snapshot) in rows.decode((Int64, String?, Bool, String?, Int64?).self) {
                items.append(PostgresWorkItem(organizationID: organization, leaseOwner: owner, leaseIsLive: live,
                                              outcome: outcome, snapshotID: snapshot))
            }
            return items
        }
    }

    /// The first row of one statement run in its own transaction, decoded.
    private func first<each Column: PostgresDecodable & Sendable>(_ types: (repeat each Column).Type,
                                                                  _ query: PostgresQuery) async throws -> (repeat each Column)? {
        try await write { connection in
            let rows = try await connection.query(query, logger: logger)
            for try await row in rows.decode((repeat each Column).self) { return row }
            return nil
        }
    }
}
