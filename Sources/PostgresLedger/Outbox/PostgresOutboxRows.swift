import Ledger
import PostgresNIO
import UnpaidCore

/// Queues deliveries inside the caller's transaction (the snapshot's, or the pipeline
/// evaluation's), so that a crash leaves both the cause and its messages, or neither.
enum PostgresOutboxRows {
    /// True when the row is new: a delivery already queued (same message id and target)
    /// is not queued again, so evaluating twice sends nothing twice. The notification
    /// carries the chain head as of this transaction, so receivers hold copies of it. The
    /// row's run is `runID` when given, else its snapshot's run for an alert about a
    /// snapshot (change, mismatch).
    static func enqueue(_ delivery: PlannedDelivery, at now: Int64, runID: RunID? = nil,
                        on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        var notification = delivery.notification
        if notification.chainHead == nil { notification.chainHead = try await chainHead(on: connection, logger: logger) }
        let snapshotOfRun = notification.pipeline == nil ? notification.snapshotID : nil
        let rows = try await connection.query("""
            INSERT INTO outbox (message_id, target, identity_key, kind, snapshot_id, notification_json,
                                created_at, next_attempt_at, run_id)
            VALUES (\(notification.messageID), \(delivery.target), \(notification.identity.key),
                    \(notification.kind.rawValue), \(notification.snapshotID), \(try LedgerJSON.encode(notification)),
                    \(now), \(now), coalesce(\(runID?.rawValue), (SELECT run_id FROM snapshot WHERE id = \(snapshotOfRun))))
            ON CONFLICT (message_id, target) DO NOTHING
            RETURNING id
            """, logger: logger)
        for try await _ in rows.decode(Int64.self) { return true }
        return false
    }

    /// The newest link of the snapshot chain as this transaction sees it.
    static func chainHead(on connection: PostgresConnection, logger: Logger) async throws -> ChainHead? {
        try await PostgresLedger.rows("SELECT snapshot_id, chain_hash FROM snapshot_chain ORDER BY snapshot_id DESC LIMIT 1",
                                      on: connection, logger: logger).first.map {
            ChainHead(snapshotID: try $0.value("snapshot_id"), hash: try $0.value("chain_hash"))
        }
    }
}
