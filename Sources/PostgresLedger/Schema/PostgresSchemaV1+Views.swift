/// Migration "v1-ledger", part three: the audit views BI tools read, with the columns and
/// meaning of SQLite's v5 views. Instants are given twice, UTC ISO 8601 text (`*_at`) and the
/// stored milliseconds (`*_at_ms`); money is the stored exact decimal text (`::numeric` to
/// sum it). Frozen once shipped: a change is a new migration that replaces a view.
extension PostgresSchemaV1 {
    static let views = [
        // One row per snapshot and currency; a snapshot without orders has one row with
        // currency NULL, 0 orders and sum '0'.
        """
        CREATE VIEW audit_snapshot_total AS
        SELECT s.id AS snapshot_id, s.run_id, series.job, series.organization_id,
               unpaidd_utc_text(s.fetched_at_ms) AS fetched_at,
               s.fetched_at_ms, s.period_start, s.period_end, s.period_label,
               t.currency, coalesce(t.order_count, 0) AS order_count, coalesce(t.sum_text, '0') AS sum_text,
               s.file_name, s.sha256, s.archive_path
        FROM snapshot s
        JOIN series ON series.id = s.series_id
        LEFT JOIN snapshot_total t ON t.snapshot_id = s.id
        """,
        // The unpaid orders of every snapshot: filter on snapshot_id (or job, organization_id).
        """
        CREATE VIEW audit_snapshot_order AS
        SELECT s.id AS snapshot_id, series.job, series.organization_id,
               unpaidd_utc_text(s.fetched_at_ms) AS fetched_at,
               oi.order_no, oi.currency, oi.amount_text, oi.start_time, oi.product_code, oi.resource_id,
               oi.model_id
        FROM snapshot s
        JOIN series ON series.id = s.series_id
        JOIN order_interval oi ON oi.series_id = s.series_id
             AND oi.first_snapshot_id <= s.id AND oi.closed_by_snapshot_id > s.id
        """,
        // Each order's story: one row per stretch of consecutive snapshots in which a series
        // listed it unchanged; until_snapshot_id is NULL while still listed.
        """
        CREATE VIEW audit_order_timeline AS
        SELECT oi.order_no, series.job, series.organization_id, oi.currency, oi.amount_text, oi.start_time,
               oi.first_snapshot_id AS from_snapshot_id,
               unpaidd_utc_text(f.fetched_at_ms) AS from_fetched_at,
               nullif(oi.closed_by_snapshot_id, 9223372036854775807) AS until_snapshot_id,
               unpaidd_utc_text(u.fetched_at_ms) AS until_fetched_at
        FROM order_interval oi
        JOIN series ON series.id = oi.series_id
        JOIN snapshot f ON f.id = oi.first_snapshot_id
        LEFT JOIN snapshot u ON u.id = oi.closed_by_snapshot_id
        """,
    ]
}
