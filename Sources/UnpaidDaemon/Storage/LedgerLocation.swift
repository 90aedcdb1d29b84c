import PostgresLedger

/// Where the ledger lives, as `storage.database` says: a SQLite file (the default, nothing to
/// install) or a PostgreSQL database that several replicas share. Neither form holds a
/// password, so the value can be logged and printed as it is.
public enum LedgerLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresLocation)

    /// Reads `storage.database` (and `storage.password_env`, which only a URL may use).
    /// - Throws: ``PostgresLocationError`` for a `postgresql://` URL that cannot be used.
    static func parse(database: String, passwordEnvironment: String?,
                      key: String = PostgresLocation.defaultKey) throws(PostgresLocationError) -> LedgerLocation {
        guard PostgresLocation.isPostgresURL(database) else { return .sqlite(path: database) }
        return .postgres(try PostgresLocation(url: database, passwordEnvironment: passwordEnvironment, key: key))
    }

    /// The SQLite file, or nil for a database server.
    public var sqlitePath: String? {
        if case .sqlite(let path) = self { path } else { nil }
    }

    public var description: String {
        switch self {
        case .sqlite(let path): path
        case .postgres(let location): location.description
        }
    }
}
