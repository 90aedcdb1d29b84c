import Foundation
import PostgresNIO

/// A migration recorded in `schema_migration`.
public struct AppliedMigration: Sendable, Equatable {
    public let name: String
    public let appliedAt: Date
}

extension PostgresLedger {
    /// The migrations this database has run, oldest first (`unpaidd verify` and support
    /// cases show them).
    public func appliedMigrations() async throws -> [AppliedMigration] {
        try await read { connection in
            var applied: [AppliedMigration] = []
            let rows = try await connection.query("SELECT name, applied_at FROM schema_migration ORDER BY applied_at, name",
                                                  logger: logger)
            for try await (name, appliedAt) in rows.decode((String, Date).self) {
                applied.append(AppliedMigration(name: name, appliedAt: appliedAt))
            }
            return applied
        }
    }
}
