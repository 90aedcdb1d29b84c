/// Migration "v3-account-limits": the API's limits are the account's, so replicas share
/// them in two small tables. `account_rate` is the token bucket of `api_calls_per_second`
/// (one row, refilled on the database's clock); `organization_turn` holds one row per turn
/// of `max_concurrent_organizations`, each held under a lease so a dead replica's turn
/// comes back. Frozen once shipped.
enum PostgresSchemaV3AccountLimits {
    static let statements = [
        """
        CREATE TABLE account_rate (
            id BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (id),
            tokens DOUBLE PRECISION NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL
        )
        """,
        """
        CREATE TABLE organization_turn (
            slot INTEGER PRIMARY KEY CHECK (slot >= 1),
            holder TEXT CHECK (length(holder) > 0),
            held_until TIMESTAMPTZ NOT NULL DEFAULT '-infinity'
        )
        """,
    ]
}
