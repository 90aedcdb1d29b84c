-- What `unpaidd run` (and every other command) needs on a PostgreSQL ledger it does not
-- own. Run it as the tables' owner (or a superuser) in the ledger's database, after the
-- owner's first start created the tables, and again after each upgrade of unpaidd (a new
-- migration may add a table). It grants to the role `unpaidd_replica`: the login role every
-- host uses, or a group of per-host login roles:
--
--   CREATE ROLE unpaidd_replica LOGIN PASSWORD '…';   -- one role for every host, or
--   CREATE ROLE unpaidd_replica NOLOGIN;
--   CREATE ROLE unpaidd_host1 LOGIN PASSWORD '…' IN ROLE unpaidd_replica;
--
-- Not owning the tables, a replica cannot drop them, disable their append-only triggers or
-- run migrations; history tables get no UPDATE or DELETE at all, so the triggers are not
-- the only guard.

-- PostgreSQL 14 and older let every role create tables in `public`; 15 no longer does.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO unpaidd_replica;

-- History is read and appended to: runs, snapshots and their orders, diffs, the chain,
-- the outbox and its requeues, failures, retention's removals, reconciliations.
GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO unpaidd_replica;

-- State rewritten in place: a run's end, an order interval's closing, each job's last fire,
-- alert states, deliveries and their claims, disabled targets, the replicas' work claims and
-- the account's shared API limits. (Locking rows with FOR UPDATE needs UPDATE too.)
GRANT UPDATE ON run, order_interval, job_fire, alert_state, outbox, outbox_claim, target_state,
                work_fire, work_item, account_rate, organization_turn TO unpaidd_replica;

-- `unpaidd deliveries --enable-target` forgets that a receiver disabled a target; a
-- delivery's claim goes once its attempt is recorded.
GRANT DELETE ON target_state, outbox_claim TO unpaidd_replica;
