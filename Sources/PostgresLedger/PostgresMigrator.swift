import Logging
import PostgresNIO

/// Brings a database to ``PostgresSchema/migrations``: in one transaction, under a
/// transaction-scoped advisory lock, so that replicas starting together migrate exactly once
/// (the others wait for the lock, then find nothing left to do), and a failure leaves the
/// database as it was.
struct PostgresMigrator {
    /// The advisory lock key, the same for every unpaidd: the bytes of "unpaidd!".
    static let lockKey: Int64 = 0x756E_7061_6964_6421
    let migrations: [PostgresMigration]
    let location: String
    let logger: Logger

    /// - Returns: the names of the migrations this call applied, in order.
    func migrate(_ connection: PostgresConnection) async throws(PostgresLedgerError) -> [String] {
        do {
            return try await connection.withTransaction(logger: logger) { connection in
                _ = try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))", logger: logger)
                try await createMigrationTableIfMissing(connection)
                let applied = try await appliedMigrations(connection)
                let known = Set(migrations.map(\.name))
                let unknown = applied.filter { !known.contains($0) }
                guard unknown.isEmpty else { throw PostgresLedgerError.newerSchema(location: location, unknownMigrations: unknown) }
                var done: [String] = []
                for migration in migrations where !applied.contains(migration.name) {
                    try await apply(migration, on: connection)
                    done.append(migration.name)
                }
                return done
            }
        } catch let error as PostgresTransactionError {
            throw Self.ledgerError(error.closureError ?? error)
        } catch {
            throw Self.ledgerError(error)
        }
    }

    /// Checks, changing nothing, that the database holds exactly the known migrations: what
    /// a reader needs, which must work with a role that may not change the schema and must
    /// never migrate a ledger behind the daemons' backs.
    func requireCurrent(_ connection: PostgresConnection) async throws(PostgresLedgerError) {
        do {
            let rows = try await connection.query("SELECT to_regclass('schema_migration') IS NOT NULL", logger: logger)
            var hasTable = false
            for try await exists in rows.decode(Bool.self) { hasTable = exists }
            let applied = hasTable ? try await appliedMigrations(connection) : []
            let known = Set(migrations.map(\.name))
            let unknown = applied.filter { !known.contains($0) }
            guard unknown.isEmpty else { throw PostgresLedgerError.newerSchema(location: location, unknownMigrations: unknown) }
            let missing = migrations.map(\.name).filter { !applied.contains($0) }
            guard missing.isEmpty else { throw PostgresLedgerError.olderSchema(location: location, missingMigrations: missing) }
        } catch {
            throw Self.ledgerError(error)
        }
    }

    /// Only when it is missing: even `CREATE TABLE IF NOT EXISTS` needs the CREATE privilege
    /// on the schema, which a replica's role that does not own the tables should not have.
    private func createMigrationTableIfMissing(_ connection: PostgresConnection) async throws {
        let rows = try await connection.query("SELECT to_regclass('schema_migration') IS NOT NULL", logger: logger)
        for try await exists in rows.decode(Bool.self) where exists { return }
        do {
            _ = try await connection.query("""
                CREATE TABLE schema_migration (
                    name TEXT PRIMARY KEY CHECK (length(name) > 0),
                    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
                )
                """, logger: logger)
        } catch let error as PSQLError {
            throw PostgresLedgerError.migrationFailed(location: location, migration: "schema_migration", statement: 1,
                                                      detail: Self.detail(of: error))
        }
    }

    /// The server's words, and what to do when the role may not change the schema (a
    /// replica's role that does not own the tables, as the README recommends).
    static func detail(of error: PSQLError) -> String {
        let detail = PostgresLedgerError.detail(of: error)
        guard error.serverInfo?[.sqlState] == "42501" else { return detail }
        return detail + "; this role may not change the ledger's schema: start unpaidd once with the role that owns the"
            + " database, which migrates it, then grant this one etc/postgresql/replica-grants.sql again"
    }

    private func appliedMigrations(_ connection: PostgresConnection) async throws -> [String] {
        var names: [String] = []
        for try await name in try await connection.query("SELECT name FROM schema_migration ORDER BY applied_at, name",
                                                         logger: logger).decode(String.self) {
            names.append(name)
        }
        return names
    }

    private func apply(_ migration: PostgresMigration, on connection: PostgresConnection) async throws {
        for (index, statement) in migration.statements.enumerated() {
            do {
                _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            } catch let error as PSQLError {
                throw PostgresLedgerError.migrationFailed(location: location, migration: migration.name,
                                                          statement: index + 1, detail: Self.detail(of: error))
            }
        }
        _ = try await connection.query("INSERT INTO schema_migration (name) VALUES (\(migration.name))", logger: logger)
        logger.info("applied ledger migration", metadata: ["migration": "\(migration.name)", "ledger": "\(location)"])
    }

    private static func ledgerError(_ error: any Error) -> PostgresLedgerError {
        PostgresLedgerError.from(error)
    }
}
