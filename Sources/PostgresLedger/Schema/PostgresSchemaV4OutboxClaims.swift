/// Migration "v4-outbox-claims": every replica drains the one outbox, so a pending row one
/// of them is delivering is claimed for a lease, judged by the database's clock. A claim is
/// working state, not history: it is gone once the row's attempt is recorded, is not part of
/// `ledger copy`, and leaves the `outbox` rows themselves as SQLite has them. Frozen once
/// shipped.
enum PostgresSchemaV4OutboxClaims {
    static let statements = [
        """
        CREATE TABLE outbox_claim (
            outbox_id BIGINT PRIMARY KEY REFERENCES outbox (id),
            claimed_by TEXT NOT NULL CHECK (length(claimed_by) > 0),
            claimed_until TIMESTAMPTZ NOT NULL
        )
        """,
    ]
}
