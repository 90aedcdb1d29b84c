/// Migration "v4-snapshot-chain": a hash chain over every snapshot, and the record of
/// archive files removed by retention.
///
/// Frozen once shipped, like the others. Hashes are lowercase hex text, so that people
/// can compare them with the sqlite3 CLI and with the copies alerts carry.
enum ChainSchema {
    static let v4 = """
        -- One row per snapshot, in snapshot id order: chain_hash = SHA-256 of the
        -- previous row's chain_hash and of what the snapshot recorded (README: "The
        -- snapshot chain"). The first row's previous_hash is 64 zeros.
        CREATE TABLE snapshot_chain (
            snapshot_id INTEGER PRIMARY KEY REFERENCES snapshot(id),
            previous_hash TEXT NOT NULL CHECK (length(previous_hash) = 64 AND previous_hash NOT GLOB '*[^0-9a-f]*'),
            chain_hash TEXT NOT NULL CHECK (length(chain_hash) = 64 AND chain_hash NOT GLOB '*[^0-9a-f]*')
        );

        -- An archived file removed by retention: the snapshot keeps its name, size and
        -- SHA-256, and this row says the file is gone on purpose.
        CREATE TABLE archive_removal (
            snapshot_id INTEGER PRIMARY KEY REFERENCES snapshot(id),
            removed_at_ms INTEGER NOT NULL,
            reason TEXT NOT NULL CHECK (length(reason) > 0)
        );

        -- A chain row only ever extends the head: a newer snapshot, linked to the head's hash.
        CREATE TRIGGER snapshot_chain_extends_the_head BEFORE INSERT ON snapshot_chain
            WHEN NEW.snapshot_id <= coalesce((SELECT max(snapshot_id) FROM snapshot_chain), 0)
              OR NEW.previous_hash IS NOT coalesce(
                  (SELECT chain_hash FROM snapshot_chain ORDER BY snapshot_id DESC LIMIT 1),
                  '0000000000000000000000000000000000000000000000000000000000000000')
            BEGIN SELECT RAISE(ABORT, 'a chain row extends the head: a newer snapshot, linked to the head hash'); END;
        CREATE TRIGGER snapshot_chain_is_append_only BEFORE UPDATE ON snapshot_chain
            BEGIN SELECT RAISE(ABORT, 'snapshot_chain rows are append-only'); END;
        CREATE TRIGGER snapshot_chain_is_never_deleted BEFORE DELETE ON snapshot_chain
            BEGIN SELECT RAISE(ABORT, 'snapshot_chain rows are never deleted'); END;
        CREATE TRIGGER archive_removal_is_append_only BEFORE UPDATE ON archive_removal
            BEGIN SELECT RAISE(ABORT, 'archive_removal rows are append-only'); END;
        CREATE TRIGGER archive_removal_is_never_deleted BEFORE DELETE ON archive_removal
            BEGIN SELECT RAISE(ABORT, 'archive_removal rows are never deleted'); END;
        """
}
