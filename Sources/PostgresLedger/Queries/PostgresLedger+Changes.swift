import Foundation
import Ledger
import PostgresNIO
import UnpaidCore

extension PostgresLedger {
    /// What changed in snapshot `id` since its predecessor: nil when it was not compared
    /// (recorded without alerting, or the first of its series); empty when nothing moved.
    public func changes(in id: SnapshotID) async throws -> [StoredChange]? {
        try await read { connection in
            guard let header = try await Self.rows("""
                SELECT previous_snapshot_id, diff_json FROM snapshot_diff WHERE snapshot_id = \(id.rawValue)
                """, on: connection, logger: logger).first,
                let previous = try header.value("previous_snapshot_id", as: Int64?.self) else { return nil }
            let json: String = try header.value("diff_json")
            let diff = try LedgerJSON.decode(SnapshotDiff.self, json, table: "snapshot_diff", rowID: id.rawValue,
                                             column: "diff_json")
            return diff.currencies.map {
                StoredChange(snapshotID: id, previousSnapshotID: SnapshotID(rawValue: previous), change: $0)
            }
        }
    }

    /// The per-currency change rows as stored (exact text), with the orders behind each.
    public func changeRows(in id: SnapshotID) async throws -> [ChangeRow] {
        try await consistentRead { connection in
            let orders = try await Self.rows("""
                SELECT currency, order_no, change FROM snapshot_change_order WHERE snapshot_id = \(id.rawValue)
                ORDER BY currency, order_no
                """, on: connection, logger: logger)
            var numbers: [String: [String: [String]]] = [:]
            for order in orders {
                let currency: String = try order.value("currency"), change: String = try order.value("change")
                numbers[currency, default: [:]][change, default: []].append(try order.value("order_no"))
            }
            return try await Self.rows("SELECT * FROM snapshot_change WHERE snapshot_id = \(id.rawValue) ORDER BY currency",
                                       on: connection, logger: logger).map { row in
                let currency: String = try row.value("currency")
                let kinds = numbers[currency] ?? [:]
                return ChangeRow(currency: currency, beforeCount: try row.value("before_count"),
                                 beforeSum: try row.value("before_sum_text"), afterCount: try row.value("after_count"),
                                 afterSum: try row.value("after_sum_text"), delta: try row.value("delta_text"),
                                 relativeDelta: try row.value("relative_delta"), newOrderNumbers: kinds["new"] ?? [],
                                 goneOrderNumbers: kinds["gone"] ?? [], changedOrderNumbers: kinds["changed"] ?? [])
            }
        }
    }
}
