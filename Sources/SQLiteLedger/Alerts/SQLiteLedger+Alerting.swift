import Foundation
import GRDB
import Ledger
import OrderSpill
import UnpaidCore

extension SQLiteLedger {
    /// Records a snapshot, its change since the previous snapshot of the same job and
    /// organization, the alert states and the outbox rows `alerting` decides, in ONE
    /// transaction: after a crash either all of it is there, or none of it.
    ///
    /// `alerting` runs inside the write transaction (keep it pure and quick). If it
    /// throws, nothing is recorded. A delivery already queued (same message id and
    /// target) is not queued again, so evaluating a snapshot twice sends nothing twice.
    /// `alerting` sees the orders through `orders.highlights`: collect there what it will
    /// ask (`AlertEvaluator.highlightRequest`).
    @discardableResult
    public func recordSnapshot(_ snapshot: NewSnapshot, orders: SortedOrders,
                               alerting: (AlertingInput) throws -> AlertingPlan) throws -> AlertedSnapshot {
        try pool.write { db in
            // Every moved order is stored during the walk, before the per-currency change
            // rows it references can be: their keys are checked at the commit instead.
            try db.execute(sql: "PRAGMA defer_foreign_keys = ON")
            let (record, previous, moves) = try Self.recordSnapshot(snapshot, orders: orders, comparing: true, in: db)
            // The interval writer's walk over the previous snapshot's orders (its open
            // intervals) gave the moves: the previous orders are never loaded.
            let diff = previous.map {
                moves.diff(organizationID: snapshot.organizationID, before: $0.totals, after: record.totals)
            }
            try SnapshotChangeWriter.write(diff, snapshotID: record.id, previousSnapshotID: previous?.id, in: db)
            let states = try Self.alertStates(job: snapshot.job, organizationID: snapshot.organizationID, in: db)
            let plan = try alerting(AlertingInput(snapshot: record, previousSnapshotID: previous?.id, diff: diff,
                                                  orders: orders.highlights, states: states))
            for state in plan.states { try Self.upsert(state, in: db) }
            var queued = 0
            for delivery in plan.deliveries {
                queued += try Self.enqueue(delivery, at: plan.now, in: db) ? 1 : 0
            }
            return AlertedSnapshot(record: record, previousSnapshotID: previous?.id, diff: diff, plan: plan,
                                   queued: queued)
        }
    }

    /// `recordSnapshot(_:orders:alerting:)` for orders held in memory, with the orders
    /// alerts may name collected as `highlighting` asks.
    @discardableResult
    public func recordSnapshot(_ snapshot: NewSnapshot, orders: [UnpaidOrder],
                               highlighting request: OrderHighlights.Request = .init(limit: 5, cutoffs: []),
                               alerting: (AlertingInput) throws -> AlertingPlan) throws -> AlertedSnapshot {
        try recordSnapshot(snapshot, orders: SortedOrders.of(orders, for: snapshot, highlighting: request), alerting: alerting)
    }

    static func alertStates(job: String, organizationID: Int64, in db: Database) throws -> [AlertState] {
        try Row.fetchAll(db, sql: "SELECT * FROM alert_state WHERE job = ? AND organization_id = ? ORDER BY identity_key",
                         arguments: [job, organizationID]).map(alertState)
    }

    static func alertState(_ row: Row) throws -> AlertState {
        let statusText: String = row["status"]
        guard let status = AlertState.Status(rawValue: statusText) else {
            throw LedgerError.corruptValue(table: "alert_state", rowID: 0, column: "status", value: statusText)
        }
        return AlertState(
            identity: AlertIdentity(rule: row["rule"], job: row["job"], organizationID: row["organization_id"],
                                    currency: row["currency"]),
            status: status, firingSince: row["firing_since"], lastNotifiedAt: row["last_notified_at"],
            resolvedAt: row["resolved_at"], lastSnapshotID: row["last_snapshot_id"])
    }

    static func upsert(_ state: AlertState, in db: Database) throws {
        let identity = state.identity
        try db.execute(sql: """
            INSERT INTO alert_state (identity_key, rule, job, organization_id, currency, status, firing_since,
                                     last_notified_at, resolved_at, last_snapshot_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (identity_key) DO UPDATE SET
                status = excluded.status, firing_since = excluded.firing_since,
                last_notified_at = excluded.last_notified_at, resolved_at = excluded.resolved_at,
                last_snapshot_id = excluded.last_snapshot_id
            """, arguments: [identity.key, identity.rule, identity.job, identity.organizationID, identity.currency,
                             state.status.rawValue, state.firingSince, state.lastNotifiedAt, state.resolvedAt,
                             state.lastSnapshotID])
    }

    /// True when the row is new. The notification carries the chain head as of this
    /// transaction, so receivers hold copies of it. The row's run is `runID` when given,
    /// else its snapshot's run for an alert about a snapshot (change, mismatch).
    static func enqueue(_ delivery: PlannedDelivery, at now: Int64, runID: RunID? = nil, in db: Database) throws -> Bool {
        var notification = delivery.notification
        if notification.chainHead == nil { notification.chainHead = try SnapshotChain.head(in: db) }
        try db.execute(sql: """
            INSERT INTO outbox (message_id, target, identity_key, kind, snapshot_id, notification_json,
                                created_at, next_attempt_at, run_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, coalesce(?, (SELECT run_id FROM snapshot WHERE id = ?)))
            ON CONFLICT (message_id, target) DO NOTHING
            """, arguments: [notification.messageID, delivery.target, notification.identity.key,
                             notification.kind.rawValue, notification.snapshotID,
                             try LedgerJSON.encode(notification), now, now, runID?.rawValue,
                             notification.pipeline == nil ? notification.snapshotID : nil])
        return db.changesCount > 0
    }
}
