/// Migration "v7-pipeline-alerts": alerts about the pipeline itself, and dead deliveries
/// sent again on request.
///
/// - `organization_failure` keeps every failed attempt at one organization's snapshot
///   (append-only): "failed N times in a row" is the failures since the series' newest
///   snapshot, and the newest one's error is what a failing alert quotes.
/// - `series_watch` remembers when each job and organization was first watched: the
///   start of the stale clock of a series that never succeeded, kept across restarts.
/// - `alert_state` and `outbox` are rebuilt (SQLite cannot relax a column otherwise) so
///   that an alert about a job and organization has no currency and no snapshot. Every
///   row, index, check and trigger is kept; the outbox gains `requeued_at`.
/// - A dead outbox row may go back to pending, and only through `outbox_requeue`, which
///   records what the row looked like when it died: the delivery record loses nothing.
///
/// Frozen once shipped, like every migration. The renames run with
/// `legacy_alter_table` so that views and triggers elsewhere naming `alert_state` or
/// `outbox` keep naming the rebuilt tables.
enum PipelineAlertSchema {
    static let v7 = """
        PRAGMA legacy_alter_table = ON;

        CREATE TABLE alert_state_v7 (
            identity_key TEXT PRIMARY KEY NOT NULL,
            rule TEXT NOT NULL CHECK (length(rule) > 0),
            job TEXT NOT NULL CHECK (length(job) > 0),
            organization_id INTEGER NOT NULL,
            -- NULL for an alert about the pipeline (stale, failing).
            currency TEXT CHECK (length(currency) > 0),
            status TEXT NOT NULL CHECK (status IN ('firing', 'resolved')),
            firing_since INTEGER NOT NULL,
            last_notified_at INTEGER NOT NULL CHECK (last_notified_at >= firing_since),
            resolved_at INTEGER CHECK (resolved_at >= firing_since),
            -- NULL for an alert about the pipeline, which the clock evaluates.
            last_snapshot_id INTEGER REFERENCES snapshot(id),
            CHECK ((status = 'resolved') = (resolved_at IS NOT NULL)),
            CHECK ((currency IS NULL) = (last_snapshot_id IS NULL))
        ) WITHOUT ROWID;
        INSERT INTO alert_state_v7 SELECT identity_key, rule, job, organization_id, currency, status, firing_since,
            last_notified_at, resolved_at, last_snapshot_id FROM alert_state;
        DROP TABLE alert_state;
        ALTER TABLE alert_state_v7 RENAME TO alert_state;
        CREATE INDEX alert_state_by_series ON alert_state(job, organization_id);

        CREATE TABLE outbox_v7 (
            id INTEGER PRIMARY KEY,
            message_id TEXT NOT NULL CHECK (length(message_id) > 0),
            target TEXT NOT NULL CHECK (length(target) > 0),
            identity_key TEXT NOT NULL REFERENCES alert_state(identity_key),
            kind TEXT NOT NULL CHECK (kind IN ('firing', 'repeat', 'resolved')),
            -- The snapshot that caused it; for an alert about the pipeline, the series'
            -- newest snapshot when there is one.
            snapshot_id INTEGER REFERENCES snapshot(id),
            notification_json TEXT NOT NULL CHECK (json_valid(notification_json)),
            created_at INTEGER NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
            next_attempt_at INTEGER NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
            last_error TEXT,
            finished_at INTEGER CHECK (finished_at >= created_at),
            -- When `deliveries --retry-dead` last sent a dead row back to pending: its
            -- delivery age counts from here.
            requeued_at INTEGER CHECK (requeued_at >= created_at),
            UNIQUE (message_id, target),
            CHECK ((status = 'pending') = (finished_at IS NULL)),
            CHECK (status <> 'delivered' OR attempts > 0),
            CHECK (status <> 'dead' OR last_error IS NOT NULL)
        );
        INSERT INTO outbox_v7 SELECT id, message_id, target, identity_key, kind, snapshot_id, notification_json,
            created_at, attempts, next_attempt_at, status, last_error, finished_at, NULL FROM outbox;
        DROP TABLE outbox;
        ALTER TABLE outbox_v7 RENAME TO outbox;
        CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE status = 'pending';

        -- Every dead row sent back to pending, as it was when it died.
        CREATE TABLE outbox_requeue (
            outbox_id INTEGER NOT NULL REFERENCES outbox(id),
            requeued_at INTEGER NOT NULL,
            died_at INTEGER NOT NULL,
            attempts INTEGER NOT NULL CHECK (attempts >= 0),
            last_error TEXT NOT NULL,
            PRIMARY KEY (outbox_id, requeued_at)
        ) WITHOUT ROWID;

        -- A finished delivery is history: it neither changes nor disappears, except that
        -- a dead one may go back to pending once its death is recorded in outbox_requeue.
        CREATE TRIGGER outbox_finishes_once BEFORE UPDATE ON outbox
            WHEN NEW.message_id IS NOT OLD.message_id OR NEW.target IS NOT OLD.target
              OR NEW.identity_key IS NOT OLD.identity_key OR NEW.kind IS NOT OLD.kind
              OR NEW.snapshot_id IS NOT OLD.snapshot_id OR NEW.created_at IS NOT OLD.created_at
              OR NEW.notification_json IS NOT OLD.notification_json OR NEW.attempts < OLD.attempts
              OR (OLD.status = 'delivered')
              OR (OLD.status = 'dead' AND NOT (
                    NEW.status = 'pending' AND NEW.requeued_at IS NOT OLD.requeued_at
                    AND EXISTS (SELECT 1 FROM outbox_requeue r WHERE r.outbox_id = OLD.id
                                AND r.requeued_at = NEW.requeued_at AND r.died_at = OLD.finished_at)))
              OR (OLD.status = 'pending' AND NEW.requeued_at IS NOT OLD.requeued_at)
            BEGIN SELECT RAISE(ABORT, 'a finished outbox row cannot change (only a dead one can be requeued)'); END;
        CREATE TRIGGER outbox_is_never_deleted BEFORE DELETE ON outbox
            BEGIN SELECT RAISE(ABORT, 'outbox rows are never deleted'); END;
        CREATE TRIGGER outbox_requeue_is_append_only BEFORE UPDATE ON outbox_requeue
            BEGIN SELECT RAISE(ABORT, 'outbox_requeue rows are append-only'); END;
        CREATE TRIGGER outbox_requeue_is_never_deleted BEFORE DELETE ON outbox_requeue
            BEGIN SELECT RAISE(ABORT, 'outbox_requeue rows are never deleted'); END;

        -- Every failed attempt at one organization's snapshot, with its error (secrets masked).
        CREATE TABLE organization_failure (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id INTEGER NOT NULL REFERENCES run(id),
            job TEXT NOT NULL CHECK (length(job) > 0),
            organization_id INTEGER NOT NULL,
            failed_at INTEGER NOT NULL,
            stage TEXT NOT NULL CHECK (length(stage) > 0),
            error TEXT NOT NULL CHECK (length(error) > 0),
            UNIQUE (run_id, organization_id)
        );
        CREATE INDEX organization_failure_by_series ON organization_failure(job, organization_id, run_id);
        CREATE TRIGGER organization_failure_is_append_only BEFORE UPDATE ON organization_failure
            BEGIN SELECT RAISE(ABORT, 'organization_failure rows are append-only'); END;
        CREATE TRIGGER organization_failure_is_never_deleted BEFORE DELETE ON organization_failure
            BEGIN SELECT RAISE(ABORT, 'organization_failure rows are never deleted'); END;

        CREATE TABLE series_watch (
            job TEXT NOT NULL CHECK (length(job) > 0),
            organization_id INTEGER NOT NULL,
            watched_since INTEGER NOT NULL,
            PRIMARY KEY (job, organization_id)
        ) WITHOUT ROWID;
        CREATE TRIGGER series_watch_is_append_only BEFORE UPDATE ON series_watch
            BEGIN SELECT RAISE(ABORT, 'series_watch rows are append-only'); END;

        PRAGMA legacy_alter_table = OFF;
        """
}
