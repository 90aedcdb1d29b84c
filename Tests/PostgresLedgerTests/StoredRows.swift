import LedgerTestSupport

/// Every row a recording writes, as text, in key order: what two backends that recorded
/// the same history must hold byte for byte. Each query is valid in both dialects.
enum StoredRows {
    static let intervals = """
        SELECT CAST(series_id AS TEXT) || '|' || CAST(closed_by_snapshot_id AS TEXT) || '|' || order_no || '|'
               || currency || '|' || amount_text || '|' || coalesce(CAST(start_time AS TEXT), 'NULL') || '|'
               || coalesce(product_code, 'NULL') || '|' || coalesce(resource_id, 'NULL') || '|'
               || coalesce(model_id, 'NULL') || '|' || CAST(first_snapshot_id AS TEXT) AS line
        FROM order_interval ORDER BY series_id, closed_by_snapshot_id, order_no
        """
    static let changes = """
        SELECT CAST(d.snapshot_id AS TEXT) || '|' || coalesce(CAST(d.previous_snapshot_id AS TEXT), 'NULL') || '|'
               || CAST(d.changed_currencies AS TEXT) || '|' || d.diff_json AS line
        FROM snapshot_diff d ORDER BY d.snapshot_id
        """
    static let changedOrders = """
        SELECT CAST(snapshot_id AS TEXT) || '|' || currency || '|' || order_no || '|' || change || '|'
               || coalesce(before_amount_text, 'NULL') || '|' || coalesce(after_amount_text, 'NULL') AS line
        FROM snapshot_change_order ORDER BY snapshot_id, currency, order_no
        """
    static let snapshots = """
        SELECT CAST(s.id AS TEXT) || '|' || CAST(s.series_id AS TEXT) || '|' || CAST(s.row_count AS TEXT) || '|'
               || coalesce(t.currency, 'NULL') || '|' || coalesce(CAST(t.order_count AS TEXT), 'NULL') || '|'
               || coalesce(t.sum_text, 'NULL') || '|' || c.previous_hash || '|' || c.chain_hash AS line
        FROM snapshot s JOIN snapshot_chain c ON c.snapshot_id = s.id
        LEFT JOIN snapshot_total t ON t.snapshot_id = s.id ORDER BY s.id, t.currency
        """
    static let alerts = """
        SELECT identity_key || '|' || status || '|' || CAST(firing_since AS TEXT) || '|'
               || CAST(last_notified_at AS TEXT) || '|' || coalesce(CAST(resolved_at AS TEXT), 'NULL') || '|'
               || coalesce(CAST(last_snapshot_id AS TEXT), 'NULL') AS line
        FROM alert_state ORDER BY identity_key
        """
    static let outbox = """
        SELECT CAST(id AS TEXT) || '|' || message_id || '|' || target || '|' || kind || '|'
               || coalesce(CAST(snapshot_id AS TEXT), 'NULL') || '|' || CAST(created_at AS TEXT) || '|' || status
               || '|' || coalesce(CAST(run_id AS TEXT), 'NULL') || '|' || notification_json AS line
        FROM outbox ORDER BY id
        """
    static let all = [intervals, changes, changedOrders, snapshots, alerts, outbox]

    static func of(_ fixture: LedgerFixture) async throws -> [[String]] {
        var tables: [[String]] = []
        for sql in all { tables.append(try await fixture.textsBehindTheLedger(sql)) }
        return tables
    }
}
