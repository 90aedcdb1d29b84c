import Foundation
import Ledger
import PostgresNIO

/// How a `work_item` ends, inside the caller's transaction: by `finishItem`, or by
/// `recordSnapshot`, which ends the item with its snapshot so that both commit together.
enum PostgresWorkItemRows {
    /// Marks the organization finished if `owner` still holds it unfinished (false
    /// otherwise), and the fire complete with its last organization. The item's row stays
    /// locked until the transaction ends.
    static func finish(job: String, scheduledAt: Date, organizationID: Int64, owner: String, snapshotID: Int64?,
                       on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let outcome = snapshotID == nil ? "failed" : "recorded"
        // `outcome IS NULL` keeps finished rows out of the UPDATE: their trigger would
        // abort the whole transaction, a snapshot's included.
        let finished = try await connection.query("""
            UPDATE work_item SET outcome = \(outcome), snapshot_id = \(snapshotID), finished_at = clock_timestamp()
            WHERE job = \(job) AND scheduled_at = \(scheduledAt) AND organization_id = \(organizationID)
              AND lease_owner = \(owner) AND outcome IS NULL
            RETURNING 1
            """, logger: logger)
        var didFinish = false
        for try await _ in finished.decode(Int.self) { didFinish = true }
        guard didFinish else { return false }
        _ = try await connection.query("""
            UPDATE work_fire SET completed_at = clock_timestamp()
            WHERE job = \(job) AND scheduled_at = \(scheduledAt) AND completed_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM work_item
                              WHERE job = \(job) AND scheduled_at = \(scheduledAt) AND outcome IS NULL)
            """, logger: logger)
        return true
    }

    /// Whether `owner` finished the organization already, with this same outcome.
    static func isFinished(job: String, scheduledAt: Date, organizationID: Int64, owner: String, snapshotID: Int64?,
                           on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let outcome = snapshotID == nil ? "failed" : "recorded"
        let rows = try await connection.query("""
            SELECT EXISTS (SELECT 1 FROM work_item
                           WHERE job = \(job) AND scheduled_at = \(scheduledAt) AND organization_id = \(organizationID)
                             AND lease_owner = \(owner) AND outcome = \(outcome)
                             AND snapshot_id IS NOT DISTINCT FROM \(snapshotID))
            """, logger: logger)
        for try await exists in rows.decode(Bool.self) { return exists }
        return false
    }

    /// Ends the work item `snapshot` was fetched under as recorded by snapshot `id`, in the
    /// snapshot's transaction; nothing for a snapshot fetched under no shared claim.
    /// - Throws: `LedgerError.workItemLost` when its replica no longer holds the item: the
    ///   caller's transaction then rolls back, and the snapshot with it.
    static func recordUnderClaim(_ snapshot: NewSnapshot, as id: SnapshotID, on connection: PostgresConnection,
                                 logger: Logger) async throws {
        guard let item = snapshot.workItem else { return }
        let held = try await finish(job: snapshot.job, scheduledAt: item.scheduledAt,
                                    organizationID: snapshot.organizationID, owner: item.owner,
                                    snapshotID: id.rawValue, on: connection, logger: logger)
        guard held else {
            throw LedgerError.workItemLost(job: snapshot.job, organizationID: snapshot.organizationID,
                                           scheduledAt: item.scheduledAt, owner: item.owner)
        }
    }
}
