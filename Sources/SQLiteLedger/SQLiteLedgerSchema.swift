import GRDB
import Ledger

/// The ledger's schema, as a list of migrations.
///
/// A migration is frozen once it has shipped: databases in the field already ran it,
/// so a change of schema is always a new migration appended at the end ("v2-…"),
/// never an edit of an existing one. That is also why the SQL below is written out
/// literally instead of being generated from Swift helpers that could drift.
enum LedgerSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-runs-snapshots-order-intervals") { db in
            try db.execute(sql: v1)
        }
        migrator.registerMigration("v2-alerts") { db in try db.execute(sql: AlertSchema.v2) }
        migrator.registerMigration("v3-run-interrupted") { db in try db.execute(sql: RunInterruptedSchema.v3) }
        migrator.registerMigration("v4-snapshot-chain") { db in
            try db.execute(sql: ChainSchema.v4)
            // Ledgers recorded before the chain are chained from their first snapshot,
            // with the same encoding new snapshots are chained with.
            try SnapshotChain.chainUnchainedSnapshots(in: db)
        }
        migrator.registerMigration("v5-audit-views") { db in try db.execute(sql: AuditViews.v5) }
        migrator.registerMigration("v6-reconciliation") { db in try db.execute(sql: ReconciliationSchema.v6) }
        migrator.registerMigration("v7-pipeline-alerts") { db in try db.execute(sql: PipelineAlertSchema.v7) }
        migrator.registerMigration("v8-outbox-run") { db in try db.execute(sql: OutboxRunSchema.v8) }
        return migrator
    }

    /// Instants (`*_ms`) are Unix milliseconds; billing windows are the API's Unix seconds.
    /// Money is canonical decimal text (`Money.description`): an optional minus, no
    /// leading zeros, digits after the point kept as written, never negative zero.
    private static let v1 = """
        CREATE TABLE run (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            job TEXT NOT NULL CHECK (length(job) > 0),
            started_at_ms INTEGER NOT NULL,
            finished_at_ms INTEGER CHECK (finished_at_ms >= started_at_ms),
            status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'partial')),
            error TEXT,
            CHECK ((status = 'running') = (finished_at_ms IS NULL)),
            CHECK (status <> 'succeeded' OR error IS NULL)
        );
        CREATE INDEX run_by_start ON run(started_at_ms, id);

        -- A series is what one job fetches for one organization: snapshots of a series
        -- are diffed with each other, never with another job's or organization's.
        CREATE TABLE series (
            id INTEGER PRIMARY KEY,
            job TEXT NOT NULL CHECK (length(job) > 0),
            organization_id INTEGER NOT NULL,
            UNIQUE (job, organization_id)
        );

        -- AUTOINCREMENT: snapshot ids never go back, so "the set at snapshot S" can be
        -- read from intervals as first_snapshot_id <= S < closed_by_snapshot_id.
        CREATE TABLE snapshot (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id INTEGER NOT NULL REFERENCES run(id),
            series_id INTEGER NOT NULL REFERENCES series(id),
            period_start INTEGER NOT NULL,
            period_end INTEGER NOT NULL,
            period_label TEXT NOT NULL CHECK (length(period_label) > 0),
            fetched_at_ms INTEGER NOT NULL,
            file_name TEXT NOT NULL CHECK (length(file_name) > 0),
            file_size INTEGER NOT NULL CHECK (file_size >= 0),
            sha256 TEXT NOT NULL CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
            archive_path TEXT NOT NULL CHECK (length(archive_path) > 0),
            row_count INTEGER NOT NULL CHECK (row_count >= 0),
            CHECK (period_end > period_start),
            UNIQUE (run_id, series_id)
        );
        -- Unique so that order intervals can reference (series, snapshot) pairs.
        CREATE UNIQUE INDEX snapshot_by_series ON snapshot(series_id, id);
        CREATE INDEX snapshot_by_time ON snapshot(fetched_at_ms, id);

        -- One row per currency present in the snapshot's file. A file without orders
        -- has no rows here; history shows it as a zero line.
        CREATE TABLE snapshot_total (
            snapshot_id INTEGER NOT NULL REFERENCES snapshot(id),
            currency TEXT NOT NULL CHECK (length(currency) > 0),
            order_count INTEGER NOT NULL CHECK (order_count > 0),
            sum_text TEXT NOT NULL CHECK (
                sum_text GLOB '*[0-9]' AND sum_text NOT GLOB '*[^0-9.-]*'
                AND sum_text NOT GLOB '?*-*' AND sum_text NOT GLOB '*.*.*'
                AND (sum_text GLOB '[0-9]*' OR sum_text GLOB '-[0-9]*')
                AND sum_text NOT GLOB '0[0-9]*' AND sum_text NOT GLOB '-0[0-9]*'
                AND NOT (sum_text GLOB '-*' AND sum_text NOT GLOB '*[1-9]*')
            ),
            PRIMARY KEY (snapshot_id, currency)
        ) WITHOUT ROWID;

        -- Each row is one order, unchanged, over a run of consecutive snapshots of its
        -- series: present in snapshot S exactly when first_snapshot_id <= S < closed_by_snapshot_id.
        -- While the order is still present, closed_by_snapshot_id holds the largest integer
        -- (9223372036854775807, "not closed yet") instead of NULL, because it is part of the
        -- key: a series' open intervals are then one contiguous range, sorted by order
        -- number, which the diff of the next snapshot reads as a merge, and the key alone
        -- makes an order present at most once at any time (a NULL could not be in it).
        -- Unchanged orders are never written again. WITHOUT ROWID: the table is its only
        -- b-tree, so a million new orders update one structure, not a table and two indexes.
        CREATE TABLE order_interval (
            series_id INTEGER NOT NULL,
            closed_by_snapshot_id INTEGER NOT NULL DEFAULT 9223372036854775807,
            order_no TEXT NOT NULL CHECK (order_no <> ''),
            currency TEXT NOT NULL CHECK (currency <> ''),
            -- Only a decimal's characters, ending in a digit: the full canonical shape
            -- (as on snapshot_total) costs more than the rest of an insert, on the one
            -- table that takes a million rows at once; Money re-validates it on read.
            amount_text TEXT NOT NULL CHECK (
                ltrim(amount_text, '0123456789.-') = '' AND substr(amount_text, -1) BETWEEN '0' AND '9'
            ),
            start_time INTEGER,
            product_code TEXT,
            resource_id TEXT,
            model_id TEXT,
            first_snapshot_id INTEGER NOT NULL,
            CHECK (closed_by_snapshot_id > first_snapshot_id),
            -- One lookup proves both that the snapshot exists and that it is of this series.
            FOREIGN KEY (series_id, first_snapshot_id) REFERENCES snapshot(series_id, id),
            PRIMARY KEY (series_id, closed_by_snapshot_id, order_no)
        ) WITHOUT ROWID;

        CREATE TABLE job_fire (
            job TEXT PRIMARY KEY NOT NULL CHECK (length(job) > 0),
            scheduled_at_ms INTEGER NOT NULL
        ) WITHOUT ROWID;

        -- Audit history is append-only: what was recorded is never rewritten or removed.
        -- The updates allowed are finishing a running run and closing an open interval,
        -- each once.
        CREATE TRIGGER run_finishes_once BEFORE UPDATE ON run
            WHEN OLD.status <> 'running' OR NEW.id IS NOT OLD.id OR NEW.job IS NOT OLD.job
              OR NEW.started_at_ms IS NOT OLD.started_at_ms
            BEGIN SELECT RAISE(ABORT, 'a run can only be finished, once'); END;
        CREATE TRIGGER run_is_never_deleted BEFORE DELETE ON run
            BEGIN SELECT RAISE(ABORT, 'run rows are never deleted'); END;
        CREATE TRIGGER snapshot_is_append_only BEFORE UPDATE ON snapshot
            BEGIN SELECT RAISE(ABORT, 'snapshot rows are append-only'); END;
        CREATE TRIGGER snapshot_is_never_deleted BEFORE DELETE ON snapshot
            BEGIN SELECT RAISE(ABORT, 'snapshot rows are never deleted'); END;
        CREATE TRIGGER snapshot_total_is_append_only BEFORE UPDATE ON snapshot_total
            BEGIN SELECT RAISE(ABORT, 'snapshot_total rows are append-only'); END;
        CREATE TRIGGER snapshot_total_is_never_deleted BEFORE DELETE ON snapshot_total
            BEGIN SELECT RAISE(ABORT, 'snapshot_total rows are never deleted'); END;
        CREATE TRIGGER order_interval_is_never_deleted BEFORE DELETE ON order_interval
            BEGIN SELECT RAISE(ABORT, 'order_interval rows are never deleted'); END;
        -- Closing is the only update: once, by a later snapshot of the same series (the
        -- close is a change of key, so no foreign key can say it; inserts are always open).
        CREATE TRIGGER order_interval_only_closes BEFORE UPDATE ON order_interval
            WHEN OLD.closed_by_snapshot_id <> 9223372036854775807
              OR NEW.closed_by_snapshot_id = 9223372036854775807
              OR NEW.series_id IS NOT OLD.series_id
              OR NEW.order_no IS NOT OLD.order_no OR NEW.currency IS NOT OLD.currency
              OR NEW.amount_text IS NOT OLD.amount_text OR NEW.start_time IS NOT OLD.start_time
              OR NEW.product_code IS NOT OLD.product_code OR NEW.resource_id IS NOT OLD.resource_id
              OR NEW.model_id IS NOT OLD.model_id OR NEW.first_snapshot_id IS NOT OLD.first_snapshot_id
              OR NOT EXISTS (SELECT 1 FROM snapshot
                             WHERE series_id = OLD.series_id AND id = NEW.closed_by_snapshot_id)
            BEGIN SELECT RAISE(ABORT, 'an order interval can only be closed, once, by a snapshot of its series'); END;
        """
}
