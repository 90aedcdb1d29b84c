/// v8: each outbox row remembers the run that queued it, so a target with
/// `group = "run"` gets one message per run assembled from the rows of that run.
/// The rows stay the delivery record; the run only groups them.
///
/// Frozen once shipped. Rows queued before v8 have no run: they are grouped by the
/// instant they were queued, as rows queued outside any run are.
enum OutboxRunSchema {
    static let v8 = """
        -- The run during which the row was queued: a change or mismatch alert's snapshot's
        -- run, or the run after which stale and failing rules were evaluated; NULL when
        -- the daemon's own clock raised it.
        ALTER TABLE outbox ADD COLUMN run_id INTEGER REFERENCES run(id);
        CREATE INDEX outbox_by_run ON outbox(run_id, target) WHERE run_id IS NOT NULL;
        CREATE TRIGGER outbox_run_is_fixed BEFORE UPDATE OF run_id ON outbox
            WHEN NEW.run_id IS NOT OLD.run_id
            BEGIN SELECT RAISE(ABORT, 'an outbox row''s run cannot change'); END;
        """
}
