import PostgresNIO

/// What went wrong opening or using a PostgreSQL ledger. Each case names the ledger by its
/// ``PostgresLocation/description`` (never a password) and keeps the server's own words in
/// `detail`.
public enum PostgresLedgerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The location or its password is unusable before any connection is tried.
    case badLocation(PostgresLocationError)
    /// No connection: server down, wrong host or port, TLS refused, timeout.
    case cannotConnect(location: String, detail: String)
    /// The server refused the user or its password.
    case authenticationFailed(location: String, user: String, detail: String)
    /// The server asks for a password and none is configured.
    case passwordRequired(location: String, user: String)
    /// The database was migrated by a newer unpaidd: these migrations are unknown to this build.
    case newerSchema(location: String, unknownMigrations: [String])
    /// A reader (it never changes the schema) found the database short of these migrations
    /// (all of them: no unpaidd ledger there yet).
    case olderSchema(location: String, missingMigrations: [String])
    /// A migration failed; nothing of it was applied.
    case migrationFailed(location: String, migration: String, statement: Int, detail: String)
    /// The database refused a change that would break one of the ledger's rules (a CHECK,
    /// a key, or an append-only trigger): `constraint` names it when the server did.
    case invariantViolated(table: String?, constraint: String?, detail: String)
    /// Any other error from the server or the connection.
    case database(detail: String)

    public var description: String {
        switch self {
        case .badLocation(let error):
            "\(error)"
        case .cannotConnect(let location, let detail):
            "cannot connect to the PostgreSQL ledger \(location): \(detail); check that the server runs and the host, port and sslmode in storage.database"
        case .authenticationFailed(let location, let user, let detail):
            "the PostgreSQL ledger \(location) refused user \(user): \(detail); check the password in storage.password_env (or the systemd credential \(PostgresPasswordSource.credentialName)) and the server's pg_hba.conf"
        case .passwordRequired(let location, let user):
            "the PostgreSQL ledger \(location) asks user \(user) for a password and none is configured: set storage.password_env, or pass the systemd credential \(PostgresPasswordSource.credentialName)"
        case .newerSchema(let location, let unknown):
            "the PostgreSQL ledger \(location) was migrated by a newer unpaidd (unknown migrations: \(unknown.joined(separator: ", "))); upgrade unpaidd instead of opening it with this build"
        case .olderSchema(let location, let missing) where missing.count == PostgresSchema.migrations.count:
            "the PostgreSQL database \(location) holds no unpaidd ledger (none of its migrations applied); check storage.database, or start unpaidd run once with the role that owns the database to create it"
        case .olderSchema(let location, let missing):
            "the PostgreSQL ledger \(location) lacks migrations \(missing.joined(separator: ", ")), and a command that only reads never migrates it; start unpaidd run (or any recording command) once with the role that owns the database, then read again"
        case .migrationFailed(let location, let migration, let statement, let detail):
            "migration \(migration) of the PostgreSQL ledger \(location) failed at statement \(statement): \(detail); nothing of it was applied"
        case .invariantViolated(let table, let constraint, let detail):
            "the ledger refused a change" + (table.map { " to \($0)" } ?? "")
                + (constraint.map { " (\($0))" } ?? "") + ": \(detail)"
        case .database(let detail):
            "PostgreSQL ledger error: \(detail)"
        }
    }
}

extension PostgresLedgerError {
    /// SQLSTATE class 23: integrity constraint violation, which the ledger's triggers raise too.
    static let integrityClass = "23"

    /// The driver's error in the ledger's terms. `PSQLError` hides everything in its
    /// description on purpose; the server's message, detail and hint are what a person needs,
    /// and they hold no password (the driver never sends one in a query).
    static func from(_ error: any Error) -> PostgresLedgerError {
        if let ledgerError = error as? PostgresLedgerError { return ledgerError }
        if let transactionError = error as? PostgresTransactionError {
            return from(transactionError.closureError ?? transactionError.commitError
                        ?? transactionError.beginError ?? transactionError.rollbackError ?? error)
        }
        guard let error = error as? PSQLError else { return .database(detail: "\(error)") }
        if let info = error.serverInfo, let state = info[.sqlState], state.hasPrefix(integrityClass) {
            return .invariantViolated(table: info[.tableName], constraint: info[.constraintName], detail: detail(of: error))
        }
        return .database(detail: detail(of: error))
    }

    /// "message (detail; hint) [SQLSTATE]" from the server, or the connection's cause.
    static func detail(of error: PSQLError) -> String {
        if let info = error.serverInfo, let message = info[.message] {
            let notes = [info[.detail], info[.hint]].compactMap { $0 }
            return message + (notes.isEmpty ? "" : " (\(notes.joined(separator: "; ")))")
                + (info[.sqlState].map { " [SQLSTATE \($0)]" } ?? "")
        }
        if let underlying = error.underlying { return "\(underlying)" }
        return "\(error.code)"
    }
}
