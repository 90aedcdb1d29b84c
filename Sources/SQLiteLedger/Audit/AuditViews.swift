/// Migration "v5-audit-views": stable views for BI tools (sqlite3, Metabase, a
/// spreadsheet), so that nobody needs the interval encoding to read the ledger.
///
/// Frozen once shipped, like every migration: a change is a new migration that drops
/// and recreates a view. Instants are given twice: UTC ISO 8601 text (`*_at`), and the
/// stored Unix milliseconds (`*_at_ms`); money is the stored exact decimal text.
enum AuditViews {
    static let v5 = """
        -- One row per snapshot and currency; a snapshot without orders has one row with
        -- currency NULL, 0 orders and sum '0'.
        CREATE VIEW audit_snapshot_total AS
        SELECT s.id AS snapshot_id, s.run_id, series.job, series.organization_id,
               strftime('%Y-%m-%dT%H:%M:%SZ', s.fetched_at_ms / 1000, 'unixepoch') AS fetched_at,
               s.fetched_at_ms, s.period_start, s.period_end, s.period_label,
               t.currency, coalesce(t.order_count, 0) AS order_count, coalesce(t.sum_text, '0') AS sum_text,
               s.file_name, s.sha256, s.archive_path
        FROM snapshot s
        JOIN series ON series.id = s.series_id
        LEFT JOIN snapshot_total t ON t.snapshot_id = s.id;

        -- The unpaid orders of every snapshot: filter on snapshot_id (or job,
        -- organization_id) to read one snapshot's set.
        CREATE VIEW audit_snapshot_order AS
        SELECT s.id AS snapshot_id, series.job, series.organization_id,
               strftime('%Y-%m-%dT%H:%M:%SZ', s.fetched_at_ms / 1000, 'unixepoch') AS fetched_at,
               oi.order_no, oi.currency, oi.amount_text, oi.start_time, oi.product_code, oi.resource_id,
               oi.model_id
        FROM snapshot s
        JOIN series ON series.id = s.series_id
        JOIN order_interval oi ON oi.series_id = s.series_id
             AND oi.first_snapshot_id <= s.id AND oi.closed_by_snapshot_id > s.id;

        -- Each order's story: one row per stretch of consecutive snapshots in which a
        -- series listed it unchanged. until_snapshot_id is the first snapshot that listed
        -- it otherwise (changed: another row of the order starts there) or not at all
        -- (paid or revoked); NULL while still listed.
        CREATE VIEW audit_order_timeline AS
        SELECT oi.order_no, series.job, series.organization_id, oi.currency, oi.amount_text, oi.start_time,
               oi.first_snapshot_id AS from_snapshot_id,
               strftime('%Y-%m-%dT%H:%M:%SZ', f.fetched_at_ms / 1000, 'unixepoch') AS from_fetched_at,
               nullif(oi.closed_by_snapshot_id, 9223372036854775807) AS until_snapshot_id,
               strftime('%Y-%m-%dT%H:%M:%SZ', u.fetched_at_ms / 1000, 'unixepoch') AS until_fetched_at
        FROM order_interval oi
        JOIN series ON series.id = oi.series_id
        JOIN snapshot f ON f.id = oi.first_snapshot_id
        LEFT JOIN snapshot u ON u.id = oi.closed_by_snapshot_id;
        """
}
