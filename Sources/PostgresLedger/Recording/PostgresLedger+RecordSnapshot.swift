import Foundation
import Ledger
import OrderSpill
import PostgresNIO
import UnpaidCore

extension PostgresLedger {
    /// Records one fetched file and its orders in a single transaction, as
    /// `SQLiteLedger.recordSnapshot` does: either everything is recorded or nothing is.
    /// Unchanged orders are not written again; when the file is byte-for-byte the previous
    /// one of its series (same SHA-256, same totals), no order row is written at all. An
    /// order number present twice in `orders` is an error.
    ///
    /// Memory stays bounded whatever the number of orders: they are read back from their
    /// sorted runs one at a time, and the series' open intervals a page at a time.
    ///
    /// A snapshot fetched under a replica's claim (`snapshot.workItem`) ends that work item
    /// as recorded in the same transaction, or is refused with
    /// `LedgerError.workItemLost` when the replica no longer holds it.
    @discardableResult
    public func recordSnapshot(_ snapshot: NewSnapshot, orders: SortedOrders) async throws -> SnapshotRecord {
        try await write { connection in
            let record = try await PostgresSnapshotRecording(connection: connection, logger: logger)
                .record(snapshot, orders: orders, comparing: false).record
            try await PostgresWorkItemRows.recordUnderClaim(snapshot, as: record.id, on: connection, logger: logger)
            return record
        }
    }

    /// Records a snapshot, its change since the previous snapshot of the same job and
    /// organization, the alert states and the outbox rows `alerting` decides, in ONE
    /// transaction: after a crash either all of it is there, or none of it.
    ///
    /// `alerting` runs inside the write transaction (keep it pure and quick). If it throws,
    /// nothing is recorded. A delivery already queued (same message id and target) is not
    /// queued again. `alerting` sees the orders through `orders.highlights`. A claimed
    /// snapshot ends its work item as the method above says, or nothing is recorded.
    @discardableResult
    public func recordSnapshot(_ snapshot: NewSnapshot, orders: SortedOrders,
                               alerting: (AlertingInput) throws -> AlertingPlan) async throws -> AlertedSnapshot {
        try await write { connection in
            let recorded = try await PostgresSnapshotRecording(connection: connection, logger: logger)
                .record(snapshot, orders: orders, comparing: true)
            let record = recorded.record, previous = recorded.previous
            // The walk over the previous snapshot's orders (its open intervals) gave the
            // moves: the previous orders are never loaded.
            let diff = previous.map {
                recorded.moves.diff(organizationID: snapshot.organizationID, before: $0.totals, after: record.totals)
            }
            try await PostgresChangeRows.write(diff, snapshotID: record.id, previousSnapshotID: previous?.id,
                                               on: connection, logger: logger)
            if recorded.storedMoves {
                try await ChangeOrderRows.moveStoredOrders(snapshotID: record.id, on: connection, logger: logger)
            }
            let states = try await PostgresAlertRows.states(job: snapshot.job, organizationID: snapshot.organizationID,
                                                            on: connection, logger: logger)
            let plan = try alerting(AlertingInput(snapshot: record, previousSnapshotID: previous?.id, diff: diff,
                                                  orders: orders.highlights, states: states))
            let queued = try await Self.store(plan, runID: nil, on: connection, logger: logger)
            // Last, so the item's row is locked only while the transaction commits.
            try await PostgresWorkItemRows.recordUnderClaim(snapshot, as: record.id, on: connection, logger: logger)
            return AlertedSnapshot(record: record, previousSnapshotID: previous?.id, diff: diff, plan: plan,
                                   queued: queued)
        }
    }

    /// Stores the states of `plan` and queues its deliveries; returns how many were new.
    static func store(_ plan: AlertingPlan, runID: RunID?, on connection: PostgresConnection,
                      logger: Logger) async throws -> Int {
        for state in plan.states { try await PostgresAlertRows.upsert(state, on: connection, logger: logger) }
        var queued = 0
        for delivery in plan.deliveries {
            let added = try await PostgresOutboxRows.enqueue(delivery, at: plan.now, runID: runID, on: connection,
                                                             logger: logger)
            queued += added ? 1 : 0
        }
        return queued
    }
}

/// A snapshot's diff as SQLite's `SnapshotChangeWriter` stores it: its JSON (counts and the
/// largest orders of each kind) and one row per changed currency with exact text.
enum PostgresChangeRows {
    static func write(_ diff: SnapshotDiff?, snapshotID: SnapshotID, previousSnapshotID: SnapshotID?,
                      on connection: PostgresConnection, logger: Logger) async throws {
        _ = try await connection.query("""
            INSERT INTO snapshot_diff (snapshot_id, previous_snapshot_id, changed_currencies, diff_json)
            VALUES (\(snapshotID.rawValue), \(previousSnapshotID?.rawValue), \(Int64(diff?.currencies.count ?? 0)),
                    \(try LedgerJSON.encode(diff ?? SnapshotDiff(currencies: []))))
            """, logger: logger)
        for change in diff?.currencies ?? [] {
            _ = try await connection.query("""
                INSERT INTO snapshot_change (snapshot_id, currency, before_count, before_sum_text, after_count,
                                             after_sum_text, delta_text, relative_delta, new_orders, gone_orders,
                                             changed_orders)
                VALUES (\(snapshotID.rawValue), \(change.key.currency), \(Int64(change.before.count)),
                        \(change.before.sum.description), \(Int64(change.after.count)), \(change.after.sum.description),
                        \(change.delta.description), \(change.relativeDelta), \(Int64(change.newOrderCount)),
                        \(Int64(change.goneOrderCount)), \(Int64(change.changedOrderCount)))
                """, logger: logger)
        }
    }
}
