/// Migration "v3-run-interrupted": a run whose process died (SIGKILL, power loss, OOM)
/// can be finished as `interrupted`, with the reason in `error`.
///
/// SQLite cannot change a CHECK constraint in place, so the `run` table is rebuilt the
/// way SQLite's "making other kinds of table schema changes" procedure says: a new
/// table, the rows copied with their ids and AUTOINCREMENT counter, the old table
/// dropped, the new one renamed, then its index and triggers created again. GRDB runs
/// the migration with foreign keys off and checks them all before it commits, so the
/// snapshots that reference runs stay valid or nothing changes. The other choices were
/// worse: editing `sqlite_master` with `writable_schema` bypasses SQLite's checks, and a
/// side table of interruptions would leave the run itself saying `running` forever.
///
/// Frozen once shipped, like v1 and v2.
enum RunInterruptedSchema {
    static let v3 = """
        CREATE TABLE run_v3 (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            job TEXT NOT NULL CHECK (length(job) > 0),
            started_at_ms INTEGER NOT NULL,
            finished_at_ms INTEGER CHECK (finished_at_ms >= started_at_ms),
            status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'partial', 'interrupted')),
            error TEXT,
            CHECK ((status = 'running') = (finished_at_ms IS NULL)),
            CHECK (status <> 'succeeded' OR error IS NULL),
            -- An interrupted run says why (which process start found it, and when).
            CHECK (status <> 'interrupted' OR coalesce(length(error), 0) > 0)
        );
        INSERT INTO run_v3 (id, job, started_at_ms, finished_at_ms, status, error)
            SELECT id, job, started_at_ms, finished_at_ms, status, error FROM run ORDER BY id;
        -- Ids never go back, even past the copy: keep the old counter.
        UPDATE sqlite_sequence SET seq = max(seq, (SELECT seq FROM sqlite_sequence WHERE name = 'run'))
            WHERE name = 'run_v3' AND EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'run');
        DROP TABLE run;
        ALTER TABLE run_v3 RENAME TO run;
        CREATE INDEX run_by_start ON run(started_at_ms, id);
        CREATE INDEX run_by_status ON run(status) WHERE status = 'running';

        -- Audit history is append-only, as in v1: a run is finished once, then never
        -- rewritten, and never deleted.
        CREATE TRIGGER run_finishes_once BEFORE UPDATE ON run
            WHEN OLD.status <> 'running' OR NEW.id IS NOT OLD.id OR NEW.job IS NOT OLD.job
              OR NEW.started_at_ms IS NOT OLD.started_at_ms
            BEGIN SELECT RAISE(ABORT, 'a run can only be finished, once'); END;
        CREATE TRIGGER run_is_never_deleted BEFORE DELETE ON run
            BEGIN SELECT RAISE(ABORT, 'run rows are never deleted'); END;
        """
}
