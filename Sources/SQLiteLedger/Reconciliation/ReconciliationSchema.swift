/// Migration "v6-reconciliation": how each snapshot's export compared with the second
/// source, `GetOrderAmount`, read right before the export request and right after the
/// download. Frozen once shipped, like every migration.
enum ReconciliationSchema {
    static let v6 = """
        -- At most one row per snapshot, written in the snapshot's transaction; a snapshot
        -- recorded without reconciliation (reconcile = false, or recorded before v6) has none.
        -- before_* / after_* are the two readings: the answer (count, amount, request id) or
        -- the error that replaced it. export_amount_text is NULL when the file holds several
        -- currencies (the API's amount has no per-currency split).
        CREATE TABLE snapshot_reconciliation (
            snapshot_id INTEGER PRIMARY KEY REFERENCES snapshot(id),
            status TEXT NOT NULL
                CHECK (status IN ('reconciled', 'not-comparable', 'moved', 'mismatch', 'unavailable')),
            export_count INTEGER NOT NULL CHECK (export_count >= 0),
            export_amount_text TEXT CHECK (export_amount_text GLOB '*[0-9]' AND export_amount_text NOT GLOB '*[^0-9.-]*'),
            before_count INTEGER CHECK (before_count >= 0),
            before_amount_text TEXT CHECK (before_amount_text GLOB '*[0-9]' AND before_amount_text NOT GLOB '*[^0-9.-]*'),
            before_request_id TEXT,
            before_error TEXT,
            after_count INTEGER CHECK (after_count >= 0),
            after_amount_text TEXT CHECK (after_amount_text GLOB '*[0-9]' AND after_amount_text NOT GLOB '*[^0-9.-]*'),
            after_request_id TEXT,
            after_error TEXT,
            -- 1 when the export was fetched again because the first one moved during its fetch.
            refetched INTEGER NOT NULL CHECK (refetched IN (0, 1)),
            reason TEXT,
            -- Each reading is an answer or an error, never both, never neither.
            CHECK ((before_count IS NULL) = (before_amount_text IS NULL)),
            CHECK ((before_count IS NULL) <> (before_error IS NULL)),
            CHECK ((after_count IS NULL) = (after_amount_text IS NULL)),
            CHECK ((after_count IS NULL) <> (after_error IS NULL)),
            CHECK ((status = 'unavailable') = (before_count IS NULL AND after_count IS NULL)),
            CHECK ((status = 'not-comparable') <= (export_amount_text IS NULL)),
            CHECK (status IN ('reconciled', 'not-comparable') OR reason IS NOT NULL)
        ) WITHOUT ROWID;
        CREATE INDEX snapshot_reconciliation_by_status ON snapshot_reconciliation(status, snapshot_id);

        CREATE TRIGGER snapshot_reconciliation_is_append_only BEFORE UPDATE ON snapshot_reconciliation
            BEGIN SELECT RAISE(ABORT, 'snapshot_reconciliation rows are append-only'); END;
        CREATE TRIGGER snapshot_reconciliation_is_never_deleted BEFORE DELETE ON snapshot_reconciliation
            BEGIN SELECT RAISE(ABORT, 'snapshot_reconciliation rows are never deleted'); END;
        """
}
