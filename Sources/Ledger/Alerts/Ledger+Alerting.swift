import Foundation
import GRDB
import UnpaidCore

extension Ledger {
    /// Records a snapshot, its change since the previous snapshot of the same job and
    /// organization, the alert states and the outbox rows `alerting` decides, in ONE
    /// transaction: after a crash either all of it is there, or none of it.
    ///
    /// `alerting` runs inside the write transaction (keep it pure and quick). If it
    /// throws, nothing is recorded. A delivery already queued (same message id and
    /// target) is not queued again, so evaluating a snapshot twice sends nothing twice.
    @discardableResult
    public func recordSnapshot(_ snapshot: NewSnapshot, orders: [UnpaidOrder],
                               alerting: (AlertingInput) throws -> AlertingPlan) throws -> AlertedSnapshot {
        try pool.write { db in
            let previous = try Self.previousSeriesState(job: snapshot.job, organizationID: snapshot.organizationID,
                                                        sha256: snapshot.sha256, in: db)
            let record = try Self.recordSnapshot(snapshot, orders: orders, in: db)
            let diff: SnapshotDiff? = previous.map { previous in
                // Same bytes as the previous file: same orders, nothing to compare.
                previous.orders.map { SnapshotDiff(previous: $0, current: orders) } ?? SnapshotDiff(currencies: [])
            }
            try SnapshotChangeWriter.write(diff, snapshotID: record.id, previousSnapshotID: previous?.id, in: db)
            let states = try Self.alertStates(job: snapshot.job, organizationID: snapshot.organizationID, in: db)
            let plan = try alerting(AlertingInput(snapshot: record, previousSnapshotID: previous?.id, diff: diff,
                                                  orders: orders, states: states))
            for state in plan.states { try Self.upsert(state, in: db) }
            var queued = 0
            for delivery in plan.deliveries {
                queued += try Self.enqueue(delivery, at: plan.now, in: db) ? 1 : 0
            }
            return AlertedSnapshot(record: record, previousSnapshotID: previous?.id, diff: diff, plan: plan,
                                   queued: queued)
        }
    }

    private struct PreviousSeriesState {
        var id: SnapshotID
        /// Nil when the new file is byte-for-byte the previous one.
        var orders: [UnpaidOrder]?
    }

    /// The latest snapshot of the series and its orders, which are exactly the open
    /// order intervals before the new snapshot is written.
    private static func previousSeriesState(job: String, organizationID: Int64, sha256: String,
                                            in db: Database) throws -> PreviousSeriesState? {
        guard let seriesID = try Int64.fetchOne(db, sql: "SELECT id FROM series WHERE job = ? AND organization_id = ?",
                                                arguments: [job, organizationID]),
              let latest = try Row.fetchOne(db, sql: "SELECT id, sha256 FROM snapshot WHERE series_id = ? ORDER BY id DESC LIMIT 1",
                                            arguments: [seriesID])
        else { return nil }
        let id = SnapshotID(rawValue: latest["id"])
        if (latest["sha256"] as String) == sha256 { return PreviousSeriesState(id: id, orders: nil) }
        let rows = try Row.fetchCursor(db, sql: """
            SELECT first_snapshot_id, order_no, currency, amount_text, start_time, product_code, resource_id, model_id
            FROM order_interval WHERE series_id = ? AND closed_by_snapshot_id = \(OrderIntervalWriter.open)
            """, arguments: [seriesID])
        var orders: [UnpaidOrder] = []
        while let row = try rows.next() {
            let text: String = row[3]
            guard let amount = try? Money(text) else {
                let orderNo: String = row[1]
                throw LedgerError.corruptValue(table: "order_interval of order \(orderNo) from snapshot", rowID: row[0],
                                               column: "amount_text", value: text)
            }
            orders.append(UnpaidOrder(orderNo: row[1], organizationID: organizationID, currency: row[2],
                                      totalPrice: amount, startTime: row[4], productCode: row[5],
                                      resourceID: row[6], modelID: row[7]))
        }
        return PreviousSeriesState(id: id, orders: orders)
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

    private static func upsert(_ state: AlertState, in db: Database) throws {
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

    /// True when the row is new.
    private static func enqueue(_ delivery: PlannedDelivery, at now: Int64, in db: Database) throws -> Bool {
        let notification = delivery.notification
        try db.execute(sql: """
            INSERT INTO outbox (message_id, target, identity_key, kind, snapshot_id, notification_json,
                                created_at, next_attempt_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (message_id, target) DO NOTHING
            """, arguments: [notification.messageID, delivery.target, notification.identity.key,
                             notification.kind.rawValue, notification.snapshotID,
                             try LedgerJSON.encode(notification), now, now])
        return db.changesCount > 0
    }
}

/// JSON for the ledger's columns: sorted keys, so equal values store equal text.
enum LedgerJSON {
    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String, table: String, rowID: Int64, column: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw LedgerError.corruptValue(table: table, rowID: rowID, column: column, value: String(text.prefix(200)))
        }
    }
}
