import Foundation
import PostgresNIO

/// The account's limits, shared by every replica on this database, on the database's clock.
extension PostgresLedger {
    /// Takes one token of the shared bucket (`rate` a second, at most `burst` saved) and
    /// says how long to wait before the call it pays for: zero, or the time until the
    /// token is due. Callers take tokens in the order the row lock gives them.
    public func takeAPIToken(rate: Double, burst: Double) async throws -> TimeInterval {
        let tokens = try await write { connection in
            let rows = try await connection.query("""
                INSERT INTO account_rate (id, tokens, updated_at) VALUES (TRUE, \(burst) - 1, clock_timestamp())
                ON CONFLICT (id) DO UPDATE SET
                    tokens = least(\(burst), account_rate.tokens
                        + greatest(0, extract(epoch FROM clock_timestamp() - account_rate.updated_at)::DOUBLE PRECISION)
                          * \(rate)) - 1,
                    updated_at = greatest(account_rate.updated_at, clock_timestamp())
                RETURNING tokens
                """, logger: logger)
            for try await tokens in rows.decode(Double.self) { return tokens }
            return 0
        }
        return tokens >= 0 ? 0 : -tokens / rate
    }

    /// Gives back a token taken for a call that was never made (its caller was cancelled).
    public func returnAPIToken() async throws {
        _ = try await write { connection in
            try await connection.query("UPDATE account_rate SET tokens = tokens + 1", logger: logger)
        }
    }

    /// One of the `limit` organization turns for `replica` for `leaseSeconds`, or nil when
    /// every turn is held under a live lease.
    public func takeOrganizationTurn(limit: Int, replica: String, leaseSeconds: Double) async throws -> Int? {
        try await write { connection in
            _ = try await connection.query("""
                INSERT INTO organization_turn (slot) SELECT generate_series(1, \(limit)) ON CONFLICT DO NOTHING
                """, logger: logger)
            let rows = try await connection.query("""
                UPDATE organization_turn SET holder = \(replica),
                       held_until = clock_timestamp() + make_interval(secs => \(leaseSeconds))
                WHERE slot = (SELECT slot FROM organization_turn
                              WHERE slot <= \(limit) AND (holder IS NULL OR held_until <= clock_timestamp())
                              ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING slot
                """, logger: logger)
            for try await slot in rows.decode(Int.self) { return slot }
            return nil
        }
    }

    /// Extends `replica`'s hold on a turn; false when it had expired and another replica took it.
    public func renewOrganizationTurn(_ slot: Int, replica: String, leaseSeconds: Double) async throws -> Bool {
        try await write { connection in
            let rows = try await connection.query("""
                UPDATE organization_turn SET held_until = clock_timestamp() + make_interval(secs => \(leaseSeconds))
                WHERE slot = \(slot) AND holder = \(replica) RETURNING slot
                """, logger: logger)
            for try await _ in rows.decode(Int.self) { return true }
            return false
        }
    }

    public func releaseOrganizationTurn(_ slot: Int, replica: String) async throws {
        _ = try await write { connection in
            try await connection.query("""
                UPDATE organization_turn SET holder = NULL, held_until = '-infinity' WHERE slot = \(slot) AND holder = \(replica)
                """, logger: logger)
        }
    }
}
