import GRDB
import Ledger
import UnpaidCore

/// Stores a snapshot's diff: its JSON (counts and the largest orders of each kind) and one
/// row per changed currency with exact before/after/delta text. The row per order behind
/// the change was stored during the interval walk (`ChangeOrderWriter`).
enum SnapshotChangeWriter {
    static func write(_ diff: SnapshotDiff?, snapshotID: SnapshotID, previousSnapshotID: SnapshotID?,
                      in db: Database) throws {
        try db.execute(sql: """
            INSERT INTO snapshot_diff (snapshot_id, previous_snapshot_id, changed_currencies, diff_json)
            VALUES (?, ?, ?, ?)
            """, arguments: [snapshotID.rawValue, previousSnapshotID?.rawValue, diff?.currencies.count ?? 0,
                             try LedgerJSON.encode(diff ?? SnapshotDiff(currencies: []))])
        guard let diff else { return }
        for change in diff.currencies {
            let currency = change.key.currency
            try db.execute(sql: """
                INSERT INTO snapshot_change (snapshot_id, currency, before_count, before_sum_text, after_count,
                                             after_sum_text, delta_text, relative_delta, new_orders, gone_orders,
                                             changed_orders)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [snapshotID.rawValue, currency, change.before.count, change.before.sum.description,
                                 change.after.count, change.after.sum.description, change.delta.description,
                                 change.relativeDelta, change.newOrderCount, change.goneOrderCount,
                                 change.changedOrderCount])
        }
    }
}

extension SQLiteLedger {
    /// What changed in snapshot `id` since its predecessor: nil when it was not
    /// compared (recorded without alerting, or the first of its series); an empty list
    /// when nothing moved.
    public func changes(in id: SnapshotID) throws -> [StoredChange]? {
        try pool.read { db in
            guard let header = try Row.fetchOne(db, sql: """
                SELECT previous_snapshot_id, diff_json FROM snapshot_diff WHERE snapshot_id = ?
                """, arguments: [id.rawValue]), let previous = header["previous_snapshot_id"] as Int64? else {
                return nil
            }
            let diff = try LedgerJSON.decode(SnapshotDiff.self, header["diff_json"], table: "snapshot_diff",
                                             rowID: id.rawValue, column: "diff_json")
            return diff.currencies.map {
                StoredChange(snapshotID: id, previousSnapshotID: SnapshotID(rawValue: previous), change: $0)
            }
        }
    }

    /// The per-currency change rows as stored (exact text), for audits and the CLI.
    public func changeRows(in id: SnapshotID) throws -> [ChangeRow] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM snapshot_change WHERE snapshot_id = ? ORDER BY currency",
                             arguments: [id.rawValue]).map { row in
                let orders = try Row.fetchAll(db, sql: """
                    SELECT order_no, change FROM snapshot_change_order WHERE snapshot_id = ? AND currency = ?
                    ORDER BY order_no
                    """, arguments: [id.rawValue, row["currency"] as String])
                func numbers(_ kind: String) -> [String] {
                    orders.filter { ($0["change"] as String) == kind }.map { $0["order_no"] }
                }
                return ChangeRow(currency: row["currency"], beforeCount: row["before_count"],
                                 beforeSum: row["before_sum_text"], afterCount: row["after_count"],
                                 afterSum: row["after_sum_text"], delta: row["delta_text"],
                                 relativeDelta: row["relative_delta"], newOrderNumbers: numbers("new"),
                                 goneOrderNumbers: numbers("gone"), changedOrderNumbers: numbers("changed"))
            }
        }
    }
}
