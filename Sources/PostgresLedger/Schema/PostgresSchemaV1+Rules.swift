/// Migration "v1-ledger", part two: audit history is append-only. What was recorded is
/// never rewritten or removed; the only updates are the transitions the daemon makes
/// (finishing a running run, closing an open interval once, moving a pending outbox row on,
/// requeueing a dead one whose death is recorded). Each refusal raises SQLSTATE 23000 with
/// the table and the trigger's name, so the ledger reports it as a broken invariant.
/// Frozen once shipped.
extension PostgresSchemaV1 {
    static let rules = functionsOfRules + appendOnlyTriggers + transitionTriggers

    private static let functionsOfRules = [
        // TG_ARGV[0] is the rule, in words.
        """
        CREATE FUNCTION unpaidd_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '%', TG_ARGV[0]
                USING ERRCODE = 'integrity_constraint_violation', TABLE = TG_TABLE_NAME, CONSTRAINT = TG_NAME;
        END $$
        """,
        """
        CREATE FUNCTION unpaidd_order_interval_only_closes() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF OLD.closed_by_snapshot_id <> 9223372036854775807
               OR NEW.closed_by_snapshot_id = 9223372036854775807
               OR (NEW.series_id, NEW.order_no, NEW.currency, NEW.amount_text, NEW.first_snapshot_id)
                  IS DISTINCT FROM (OLD.series_id, OLD.order_no, OLD.currency, OLD.amount_text, OLD.first_snapshot_id)
               OR (NEW.start_time, NEW.product_code, NEW.resource_id, NEW.model_id)
                  IS DISTINCT FROM (OLD.start_time, OLD.product_code, OLD.resource_id, OLD.model_id)
               OR NOT EXISTS (SELECT 1 FROM snapshot WHERE series_id = OLD.series_id AND id = NEW.closed_by_snapshot_id)
            THEN
                RAISE EXCEPTION 'an order interval can only be closed, once, by a snapshot of its series'
                    USING ERRCODE = 'integrity_constraint_violation', TABLE = TG_TABLE_NAME, CONSTRAINT = TG_NAME;
            END IF;
            RETURN NEW;
        END $$
        """,
        // Set-based, once per statement: a COPY of a million rows costs one anti-join.
        """
        CREATE FUNCTION unpaidd_order_interval_bounds_are_snapshots() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            stray RECORD;
        BEGIN
            SELECT n.series_id, n.order_no, n.first_snapshot_id, n.closed_by_snapshot_id INTO stray
            FROM new_intervals n
            WHERE NOT EXISTS (SELECT 1 FROM snapshot s WHERE s.series_id = n.series_id AND s.id = n.first_snapshot_id)
               OR (n.closed_by_snapshot_id <> 9223372036854775807
                   AND NOT EXISTS (SELECT 1 FROM snapshot s
                                   WHERE s.series_id = n.series_id AND s.id = n.closed_by_snapshot_id))
            LIMIT 1;
            IF FOUND THEN
                RAISE EXCEPTION 'order % of series % starts at snapshot % or ends at snapshot %, which is not a snapshot of that series',
                    stray.order_no, stray.series_id, stray.first_snapshot_id, stray.closed_by_snapshot_id
                    USING ERRCODE = 'foreign_key_violation', TABLE = TG_TABLE_NAME, CONSTRAINT = TG_NAME;
            END IF;
            RETURN NULL;
        END $$
        """,
        // The advisory lock serialises chain writers across connections (SQLite has one
        // writer); after it, this statement sees the head any other writer committed.
        """
        CREATE FUNCTION unpaidd_snapshot_chain_extends_the_head() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            head_id BIGINT;
            head_hash TEXT;
        BEGIN
            PERFORM pg_advisory_xact_lock(8461824313558066275);
            SELECT snapshot_id, chain_hash INTO head_id, head_hash
            FROM snapshot_chain ORDER BY snapshot_id DESC LIMIT 1;
            IF NEW.snapshot_id <= coalesce(head_id, 0)
               OR NEW.previous_hash IS DISTINCT FROM coalesce(head_hash, repeat('0', 64))
            THEN
                RAISE EXCEPTION 'a chain row extends the head: a newer snapshot, linked to the head hash'
                    USING ERRCODE = 'integrity_constraint_violation', TABLE = TG_TABLE_NAME, CONSTRAINT = TG_NAME;
            END IF;
            RETURN NEW;
        END $$
        """,
        """
        CREATE FUNCTION unpaidd_outbox_moves_on() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.run_id IS DISTINCT FROM OLD.run_id THEN
                RAISE EXCEPTION 'an outbox row''s run cannot change'
                    USING ERRCODE = 'integrity_constraint_violation', TABLE = TG_TABLE_NAME, CONSTRAINT = TG_NAME;
            END IF;
            IF (NEW.id, NEW.message_id, NEW.target, NEW.identity_key, NEW.kind, NEW.snapshot_id, NEW.created_at,
                NEW.notification_json)
               IS DISTINCT FROM (OLD.id, OLD.message_id, OLD.target, OLD.identity_key, OLD.kind, OLD.snapshot_id,
                OLD.created_at, OLD.notification_json)
               OR NEW.attempts < OLD.attempts
               OR OLD.status = 'delivered'
               OR (OLD.status = 'dead' AND NOT (
                     NEW.status = 'pending' AND NEW.requeued_at IS DISTINCT FROM OLD.requeued_at
                     AND EXISTS (SELECT 1 FROM outbox_requeue r WHERE r.outbox_id = OLD.id
                                 AND r.requeued_at = NEW.requeued_at AND r.died_at = OLD.finished_at)))
               OR (OLD.status = 'pending' AND NEW.requeued_at IS DISTINCT FROM OLD.requeued_at)
            THEN
                RAISE EXCEPTION 'a finished outbox row cannot change (only a dead one can be requeued)'
                    USING ERRCODE = 'integrity_constraint_violation', TABLE = TG_TABLE_NAME, CONSTRAINT = TG_NAME;
            END IF;
            RETURN NEW;
        END $$
        """,
    ]

    private static let transitionTriggers = [
        """
        CREATE TRIGGER run_finishes_once BEFORE UPDATE ON run FOR EACH ROW
            WHEN (OLD.status <> 'running' OR NEW.id IS DISTINCT FROM OLD.id OR NEW.job IS DISTINCT FROM OLD.job
                  OR NEW.started_at_ms IS DISTINCT FROM OLD.started_at_ms)
            EXECUTE FUNCTION unpaidd_refuse('a run can only be finished, once')
        """,
        """
        CREATE TRIGGER order_interval_only_closes BEFORE UPDATE ON order_interval FOR EACH ROW
            EXECUTE FUNCTION unpaidd_order_interval_only_closes()
        """,
        """
        CREATE TRIGGER order_interval_bounds_are_snapshots AFTER INSERT ON order_interval
            REFERENCING NEW TABLE AS new_intervals FOR EACH STATEMENT
            EXECUTE FUNCTION unpaidd_order_interval_bounds_are_snapshots()
        """,
        """
        CREATE TRIGGER snapshot_chain_extends_the_head BEFORE INSERT ON snapshot_chain FOR EACH ROW
            EXECUTE FUNCTION unpaidd_snapshot_chain_extends_the_head()
        """,
        """
        CREATE TRIGGER outbox_moves_on BEFORE UPDATE ON outbox FOR EACH ROW
            EXECUTE FUNCTION unpaidd_outbox_moves_on()
        """,
    ]

    private static let appendOnlyTriggers = [
        "CREATE TRIGGER run_is_never_deleted BEFORE DELETE ON run FOR EACH ROW EXECUTE FUNCTION unpaidd_refuse('run rows are never deleted')",
        "CREATE TRIGGER run_is_never_truncated BEFORE TRUNCATE ON run EXECUTE FUNCTION unpaidd_refuse('run rows are never deleted')",
        "CREATE TRIGGER series_is_append_only BEFORE UPDATE ON series FOR EACH ROW EXECUTE FUNCTION unpaidd_refuse('series rows are append-only')",
        "CREATE TRIGGER series_is_never_deleted BEFORE DELETE ON series FOR EACH ROW EXECUTE FUNCTION unpaidd_refuse('series rows are never deleted')",
        "CREATE TRIGGER series_is_never_truncated BEFORE TRUNCATE ON series EXECUTE FUNCTION unpaidd_refuse('series rows are never deleted')",
        "CREATE TRIGGER snapshot_is_append_only BEFORE UPDATE ON snapshot FOR EACH ROW EXECUTE FUNCTION unpaidd_refuse('snapshot rows are append-only')",
        "CREATE TRIGGER snapshot_is_never_deleted BEFORE DELETE ON snapshot FOR EACH ROW EXECUTE FUNCTION unpaidd_refuse('snapshot rows are never deleted')",
        "CREATE TRIGGER snapshot_is_never_truncated BEFORE TRUNCATE ON snapshot EXECUTE FUNCTION unpaidd_refuse('snapshot rows are never deleted')",
        "CREATE TRIGGER snapshot_total_is_append_only BEFORE UPDATE ON snapshot_total FOR EACH ROW EXECUTE FUNCTION unpaidd_refuse('snapshot_total rows are append-only')",
        "CREATE TRIGGER snapshot_total_is_never_deleted BEFORE DELETE ON snapshot_total FOR EACH ROW EXECUTE FUNCTION unpaidd_refuse('snapshot_total rows are never deleted')",
        "CREATE TRIGGER snapshot_total_is_never_truncated BEFORE TRUNCATE ON snapshot_total EXECUTE FUNCTION unpaidd_refuse('snapshot_total rows are never deleted')",
        "CREATE TRIGGER order_interval_is_never_deleted BEFORE DELETE ON order_interval FOR EACH ROW EXECUTE FUNCTION unpaidd_refuse('order_interval rows are never deleted')",
        "CREATE TRIGGER order_interval_is_never_truncated BEFORE TRUNCATE ON order_interval EXECUTE FUNCTION unpaidd_refuse('order_interval rows are never deleted')",
        "CREATE TRIGGER snapshot_diff_is_append_only BEFORE UPDATE ON snapshot_diff FOR EACH ROW EXECUTE FUNCTION unpaidd_refuse('snapshot_diff rows are append-only')",
        "CREATE TRIGGER snapshot_diff_is_never_deleted BEFORE DELETE ON snapshot_diff FOR EACH ROW EXECUTE FUNCTION unpaidd_refuse('snapshot_diff rows are never deleted')",
        "CREATE TRIGGER snapshot_diff_is_never_truncated BEFORE TRUNCATE ON snapshot_diff EXECUTE FUNCTION unpaidd_refuse('snapshot_diff rows are never deleted')",
        "CREATE TRIGGER snapshot_change_is_append_only BEFORE UPDATE ON snapshot_change FOR EACH ROW EXECUTE FUNCTION unpaidd_refuse('snapshot_change rows are append-only')",
        "CREATE TRIGGER snapshot_change_is_never_deleted BEFORE DELETE ON snapshot_change FOR EACH ROW EXECUTE FUNCTION unpaidd_refuse('snapshot_change rows are never deleted')",
        "CREATE TRIGGER snapshot_change_is_never_truncated BEFORE TRUNCATE ON snapshot_change EXECUTE FUNCTION unpaidd_refuse('snapshot_change rows are never deleted')",
        "CREATE TRIGGER snapshot_change_order_is_append_only BEFORE UPDATE ON snapshot_change_order FOR EACH ROW EXECUTE FUNCTION unpaidd_refuse('snapshot_change_order rows are append-only')",
        "CREATE TRIGGER snapshot_change_order_is_never_deleted BEFORE DELETE ON snapshot_change_order FOR EACH ROW EXECUTE FUNCTION unpaidd_refuse('snapshot_change_order rows are never deleted')",
        "CREATE TRIGGER snapshot_change_order_is_never_truncated BEFORE TRUNCATE ON snapshot_change_order EXECUTE FUNCTION unpaidd_refuse('snapshot_change_order rows are never deleted')",
        "CREATE TRIGGER outbox_is_never_deleted BEFORE DELETE ON outbox FOR EACH ROW EXECUTE FUNCTION unpaidd_refuse('outbox rows are never deleted')",
        "CREATE TRIGGER outbox_is_never_truncated BEFORE TRUNCATE ON outbox EXECUTE FUNCTION unpaidd_refuse('outbox rows are never deleted')",
        "CREATE TRIGGER outbox_requeue_is_append_only BEFORE UPDATE ON outbox_requeue FOR EACH ROW EXECUTE FUNCTION unpaidd_refuse('outbox_requeue rows are append-only')",
        "CREATE TRIGGER outbox_requeue_is_never_deleted BEFORE DELETE ON outbox_requeue FOR EACH ROW EXECUTE FUNCTION unpaidd_refuse('outbox_requeue rows are never deleted')",
        "CREATE TRIGGER outbox_requeue_is_never_truncated BEFORE TRUNCATE ON outbox_requeue EXECUTE FUNCTION unpaidd_refuse('outbox_requeue rows are never deleted')",
        "CREATE TRIGGER snapshot_chain_is_append_only BEFORE UPDATE ON snapshot_chain FOR EACH ROW EXECUTE FUNCTION unpaidd_refuse('snapshot_chain rows are append-only')",
        "CREATE TRIGGER snapshot_chain_is_never_deleted BEFORE DELETE ON snapshot_chain FOR EACH ROW EXECUTE FUNCTION unpaidd_refuse('snapshot_chain rows are never deleted')",
        "CREATE TRIGGER snapshot_chain_is_never_truncated BEFORE TRUNCATE ON snapshot_chain EXECUTE FUNCTION unpaidd_refuse('snapshot_chain rows are never deleted')",
        "CREATE TRIGGER archive_removal_is_append_only BEFORE UPDATE ON archive_removal FOR EACH ROW EXECUTE FUNCTION unpaidd_refuse('archive_removal rows are append-only')",
        "CREATE TRIGGER archive_removal_is_never_deleted BEFORE DELETE ON archive_removal FOR EACH ROW EXECUTE FUNCTION unpaidd_refuse('archive_removal rows are never deleted')",
        "CREATE TRIGGER archive_removal_is_never_truncated BEFORE TRUNCATE ON archive_removal EXECUTE FUNCTION unpaidd_refuse('archive_removal rows are never deleted')",
        "CREATE TRIGGER snapshot_reconciliation_is_append_only BEFORE UPDATE ON snapshot_reconciliation FOR EACH ROW EXECUTE FUNCTION unpaidd_refuse('snapshot_reconciliation rows are append-only')",
        "CREATE TRIGGER snapshot_reconciliation_is_never_deleted BEFORE DELETE ON snapshot_reconciliation FOR EACH ROW EXECUTE FUNCTION unpaidd_refuse('snapshot_reconciliation rows are never deleted')",
        "CREATE TRIGGER snapshot_reconciliation_is_never_truncated BEFORE TRUNCATE ON snapshot_reconciliation EXECUTE FUNCTION unpaidd_refuse('snapshot_reconciliation rows are never deleted')",
        "CREATE TRIGGER organization_failure_is_append_only BEFORE UPDATE ON organization_failure FOR EACH ROW EXECUTE FUNCTION unpaidd_refuse('organization_failure rows are append-only')",
        "CREATE TRIGGER organization_failure_is_never_deleted BEFORE DELETE ON organization_failure FOR EACH ROW EXECUTE FUNCTION unpaidd_refuse('organization_failure rows are never deleted')",
        "CREATE TRIGGER organization_failure_is_never_truncated BEFORE TRUNCATE ON organization_failure EXECUTE FUNCTION unpaidd_refuse('organization_failure rows are never deleted')",
        "CREATE TRIGGER series_watch_is_append_only BEFORE UPDATE ON series_watch FOR EACH ROW EXECUTE FUNCTION unpaidd_refuse('series_watch rows are append-only')",
        "CREATE TRIGGER series_watch_is_never_deleted BEFORE DELETE ON series_watch FOR EACH ROW EXECUTE FUNCTION unpaidd_refuse('series_watch rows are never deleted')",
        "CREATE TRIGGER series_watch_is_never_truncated BEFORE TRUNCATE ON series_watch EXECUTE FUNCTION unpaidd_refuse('series_watch rows are never deleted')",
    ]
}
