/// Migration "v2-alerts": what changed between snapshots, the alerts' lifecycle and the
/// webhook outbox, all in the ledger's file so one transaction covers a snapshot and
/// everything it causes.
///
/// Like v1 it is frozen once shipped. Times here are Unix seconds (`*_at`), the clock
/// alert evaluation and delivery count in; money is canonical decimal text as in v1.
enum AlertSchema {
    static let v2 = """
        -- One row per snapshot recorded with alerting: which snapshot it was compared
        -- with (NULL for the first of its series) and the whole diff as JSON.
        CREATE TABLE snapshot_diff (
            snapshot_id INTEGER PRIMARY KEY REFERENCES snapshot(id),
            previous_snapshot_id INTEGER REFERENCES snapshot(id)
                CHECK (previous_snapshot_id < snapshot_id),
            changed_currencies INTEGER NOT NULL CHECK (changed_currencies >= 0),
            diff_json TEXT NOT NULL CHECK (json_valid(diff_json)),
            CHECK (previous_snapshot_id IS NOT NULL OR changed_currencies = 0)
        );

        -- One row per currency whose total or orders moved, for queries and audits.
        CREATE TABLE snapshot_change (
            snapshot_id INTEGER NOT NULL REFERENCES snapshot_diff(snapshot_id),
            currency TEXT NOT NULL CHECK (length(currency) > 0),
            before_count INTEGER NOT NULL CHECK (before_count >= 0),
            before_sum_text TEXT NOT NULL CHECK (before_sum_text GLOB '*[0-9]' AND before_sum_text NOT GLOB '*[^0-9.-]*'),
            after_count INTEGER NOT NULL CHECK (after_count >= 0),
            after_sum_text TEXT NOT NULL CHECK (after_sum_text GLOB '*[0-9]' AND after_sum_text NOT GLOB '*[^0-9.-]*'),
            delta_text TEXT NOT NULL CHECK (delta_text GLOB '*[0-9]' AND delta_text NOT GLOB '*[^0-9.-]*'),
            -- delta / before; NULL when the previous total was zero.
            relative_delta REAL,
            new_orders INTEGER NOT NULL CHECK (new_orders >= 0),
            gone_orders INTEGER NOT NULL CHECK (gone_orders >= 0),
            changed_orders INTEGER NOT NULL CHECK (changed_orders >= 0),
            PRIMARY KEY (snapshot_id, currency)
        ) WITHOUT ROWID;

        -- The orders behind each change: new (before NULL), gone (after NULL) or changed.
        CREATE TABLE snapshot_change_order (
            snapshot_id INTEGER NOT NULL,
            currency TEXT NOT NULL,
            order_no TEXT NOT NULL CHECK (length(order_no) > 0),
            change TEXT NOT NULL CHECK (change IN ('new', 'gone', 'changed')),
            before_amount_text TEXT CHECK (before_amount_text NOT GLOB '*[^0-9.-]*'),
            after_amount_text TEXT CHECK (after_amount_text NOT GLOB '*[^0-9.-]*'),
            CHECK ((change = 'new') = (before_amount_text IS NULL)),
            CHECK ((change = 'gone') = (after_amount_text IS NULL)),
            PRIMARY KEY (snapshot_id, currency, order_no),
            FOREIGN KEY (snapshot_id, currency) REFERENCES snapshot_change(snapshot_id, currency)
        ) WITHOUT ROWID;

        -- The lifecycle of each alert identity (rule, job, organization, currency).
        CREATE TABLE alert_state (
            identity_key TEXT PRIMARY KEY NOT NULL,
            rule TEXT NOT NULL CHECK (length(rule) > 0),
            job TEXT NOT NULL CHECK (length(job) > 0),
            organization_id INTEGER NOT NULL,
            currency TEXT NOT NULL CHECK (length(currency) > 0),
            status TEXT NOT NULL CHECK (status IN ('firing', 'resolved')),
            firing_since INTEGER NOT NULL,
            last_notified_at INTEGER NOT NULL CHECK (last_notified_at >= firing_since),
            resolved_at INTEGER CHECK (resolved_at >= firing_since),
            last_snapshot_id INTEGER NOT NULL REFERENCES snapshot(id),
            CHECK ((status = 'resolved') = (resolved_at IS NOT NULL))
        ) WITHOUT ROWID;
        CREATE INDEX alert_state_by_series ON alert_state(job, organization_id);

        -- One row per notification and target. Rows are written in the transaction of
        -- the snapshot that caused them and never deleted: delivered and dead rows are
        -- the delivery record.
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            message_id TEXT NOT NULL CHECK (length(message_id) > 0),
            target TEXT NOT NULL CHECK (length(target) > 0),
            identity_key TEXT NOT NULL REFERENCES alert_state(identity_key),
            kind TEXT NOT NULL CHECK (kind IN ('firing', 'repeat', 'resolved')),
            snapshot_id INTEGER NOT NULL REFERENCES snapshot(id),
            notification_json TEXT NOT NULL CHECK (json_valid(notification_json)),
            created_at INTEGER NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
            next_attempt_at INTEGER NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
            last_error TEXT,
            finished_at INTEGER CHECK (finished_at >= created_at),
            UNIQUE (message_id, target),
            CHECK ((status = 'pending') = (finished_at IS NULL)),
            CHECK (status <> 'delivered' OR attempts > 0),
            CHECK (status <> 'dead' OR last_error IS NOT NULL)
        );
        CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE status = 'pending';

        -- Targets delivery stopped using (HTTP 410), with why and when.
        CREATE TABLE target_state (
            target TEXT PRIMARY KEY NOT NULL CHECK (length(target) > 0),
            disabled_at INTEGER NOT NULL,
            reason TEXT NOT NULL CHECK (length(reason) > 0)
        ) WITHOUT ROWID;

        -- A finished delivery is history: it neither comes back to life nor disappears.
        CREATE TRIGGER outbox_finishes_once BEFORE UPDATE ON outbox
            WHEN OLD.status <> 'pending' OR NEW.message_id IS NOT OLD.message_id
              OR NEW.target IS NOT OLD.target OR NEW.notification_json IS NOT OLD.notification_json
              OR NEW.attempts < OLD.attempts
            BEGIN SELECT RAISE(ABORT, 'a finished outbox row cannot change'); END;
        CREATE TRIGGER outbox_is_never_deleted BEFORE DELETE ON outbox
            BEGIN SELECT RAISE(ABORT, 'outbox rows are never deleted'); END;
        CREATE TRIGGER snapshot_change_is_append_only BEFORE UPDATE ON snapshot_change
            BEGIN SELECT RAISE(ABORT, 'snapshot_change rows are append-only'); END;
        CREATE TRIGGER snapshot_diff_is_append_only BEFORE UPDATE ON snapshot_diff
            BEGIN SELECT RAISE(ABORT, 'snapshot_diff rows are append-only'); END;
        """
}
