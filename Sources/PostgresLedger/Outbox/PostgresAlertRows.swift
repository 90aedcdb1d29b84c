import Ledger
import PostgresNIO
import UnpaidCore

/// `alert_state` rows inside the caller's transaction: what alert evaluation reads before
/// deciding and writes after, as `SQLiteLedger` does in the snapshot's transaction.
enum PostgresAlertRows {
    /// The states of one job and organization, by identity key.
    static func states(job: String, organizationID: Int64, on connection: PostgresConnection,
                       logger: Logger) async throws -> [AlertState] {
        try await PostgresLedger.rows("""
            SELECT * FROM alert_state WHERE job = \(job) AND organization_id = \(organizationID) ORDER BY identity_key
            """, on: connection, logger: logger).map(state)
    }

    /// A state as stored; a status the schema would not hold is named, not guessed.
    static func state(_ row: PostgresRandomAccessRow) throws -> AlertState {
        let statusText: String = try row.value("status")
        guard let status = AlertState.Status(rawValue: statusText) else {
            throw LedgerError.corruptValue(table: "alert_state", rowID: 0, column: "status", value: statusText)
        }
        return AlertState(
            identity: AlertIdentity(rule: try row.value("rule"), job: try row.value("job"),
                                    organizationID: try row.value("organization_id"), currency: try row.value("currency")),
            status: status, firingSince: try row.value("firing_since"), lastNotifiedAt: try row.value("last_notified_at"),
            resolvedAt: try row.value("resolved_at"), lastSnapshotID: try row.value("last_snapshot_id"))
    }

    /// Inserts the state, or replaces the lifecycle of the identity already stored.
    static func upsert(_ state: AlertState, on connection: PostgresConnection, logger: Logger) async throws {
        let identity = state.identity
        _ = try await connection.query("""
            INSERT INTO alert_state (identity_key, rule, job, organization_id, currency, status, firing_since,
                                     last_notified_at, resolved_at, last_snapshot_id)
            VALUES (\(identity.key), \(identity.rule), \(identity.job), \(identity.organizationID), \(identity.currency),
                    \(state.status.rawValue), \(state.firingSince), \(state.lastNotifiedAt), \(state.resolvedAt),
                    \(state.lastSnapshotID))
            ON CONFLICT (identity_key) DO UPDATE SET
                status = excluded.status, firing_since = excluded.firing_since,
                last_notified_at = excluded.last_notified_at, resolved_at = excluded.resolved_at,
                last_snapshot_id = excluded.last_snapshot_id
            """, logger: logger)
    }
}
