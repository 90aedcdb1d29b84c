/// Migration "v2-work-claims": how replicas of `unpaidd run` sharing this database divide the
/// work. A row per claimed fire (its primary key is the claim: the first INSERT wins) and a
/// row per organization of it, each held under a lease judged by the database's clock, never
/// a replica's. Finished organizations are final. Frozen once shipped.
enum PostgresSchemaV2WorkClaims {
    static let statements = [
        """
        CREATE TABLE work_fire (
            job TEXT COLLATE "C" NOT NULL CHECK (length(job) > 0),
            scheduled_at TIMESTAMPTZ NOT NULL,
            claimed_by TEXT NOT NULL CHECK (length(claimed_by) > 0),
            claimed_at TIMESTAMPTZ NOT NULL,
            lease_owner TEXT CHECK (length(lease_owner) > 0),
            lease_until TIMESTAMPTZ NOT NULL,
            opened BOOLEAN NOT NULL DEFAULT FALSE,
            completed_at TIMESTAMPTZ CHECK (completed_at IS NULL OR opened),
            PRIMARY KEY (job, scheduled_at)
        )
        """,
        "CREATE INDEX work_fire_unfinished ON work_fire (scheduled_at, job) WHERE completed_at IS NULL",
        """
        CREATE TABLE work_item (
            job TEXT COLLATE "C" NOT NULL,
            scheduled_at TIMESTAMPTZ NOT NULL,
            organization_id BIGINT NOT NULL,
            lease_owner TEXT CHECK (length(lease_owner) > 0),
            lease_until TIMESTAMPTZ NOT NULL DEFAULT '-infinity',
            outcome TEXT CHECK (outcome IN ('recorded', 'failed')),
            snapshot_id BIGINT CHECK (snapshot_id IS NULL OR outcome = 'recorded'),
            finished_at TIMESTAMPTZ CHECK ((finished_at IS NULL) = (outcome IS NULL)),
            CHECK (outcome IS DISTINCT FROM 'recorded' OR snapshot_id IS NOT NULL),
            PRIMARY KEY (job, scheduled_at, organization_id),
            FOREIGN KEY (job, scheduled_at) REFERENCES work_fire (job, scheduled_at)
        )
        """,
        """
        CREATE FUNCTION unpaidd_work_item_finished_is_final() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF OLD.outcome IS NOT NULL THEN
                RAISE EXCEPTION 'organization % of fire % at % is finished; its outcome is final',
                    OLD.organization_id, OLD.job, OLD.scheduled_at
                    USING ERRCODE = 'integrity_constraint_violation', TABLE = TG_TABLE_NAME, CONSTRAINT = TG_NAME;
            END IF;
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NEW;
        END $$
        """,
        """
        CREATE TRIGGER work_item_finished_is_final BEFORE UPDATE OR DELETE ON work_item
        FOR EACH ROW EXECUTE FUNCTION unpaidd_work_item_finished_is_final()
        """,
    ]
}
