import Foundation
import Logging
import PostgresNIO

/// The ledger in a PostgreSQL database: a pool of connections to it, open for the duration
/// of ``withLedger(_:environment:logger:maximumConnections:_:)``.
///
/// Opening checks the credentials on one connection (so a wrong password or an unreachable
/// server is an error at once, not a pool retrying in the background), brings the schema to
/// this build's migrations on it, then runs the pool (postgres-nio needs `run()` in a task)
/// until the body returns.
///
/// ```swift
/// let location = try PostgresLocation(url: "postgresql://unpaidd@db.internal/unpaidd",
///                                     passwordEnvironment: "UNPAIDD_DB_PASSWORD")
/// try await PostgresLedger.withLedger(location, logger: logger) { ledger in
///     try await ledger.write { connection in … }   // one transaction
/// }
/// ```
public final class PostgresLedger: Sendable {
    public let server: PostgresLocation
    let client: PostgresClient
    let logger: Logger
    /// Who this ledger's outbox claims name: one value per open ledger, so two replicas (or
    /// two pools in one process) never take each other's claims for their own.
    let claimant = PostgresOutboxClaim.newClaimant()
    /// The session whose advisory locks say this process's runs are alive, when it was
    /// opened with `ownsRuns` (see `PostgresRunOwnership`).
    let runOwner: PostgresConnection?

    /// The database URL without its password, for messages.
    public var location: String { "\(server)" }

    private init(location: PostgresLocation, client: PostgresClient, logger: Logger, runOwner: PostgresConnection?) {
        self.server = location
        self.client = client
        self.logger = logger
        self.runOwner = runOwner
    }

    /// Default pool size: a run records several organizations at once, and delivery and
    /// queries share the pool; replicas multiply it, so it stays well under the server's
    /// usual `max_connections` of 100.
    public static let defaultMaximumConnections = 8

    /// Opens the ledger at `location`, migrates it, and gives it to `body`; the connections
    /// close when `body` returns or throws.
    ///
    /// - Parameters:
    ///   - environment: where ``PostgresPasswordSource`` looks (the process's by default).
    ///   - ownsRuns: for a process recording beside other replicas: every run it starts stays
    ///     locked on a session of its own until finished, so that `interruptRunningRuns` in
    ///     another process finishes it only once this one has died (its session gone).
    ///   - migrating: false for a reader: the schema must then be current already, and is
    ///     never changed (a read-only role could not, and a report must not migrate a
    ///     ledger that older replicas still write to).
    /// - Throws: ``PostgresLedgerError``: `.badLocation`, `.cannotConnect`,
    ///   `.authenticationFailed`, `.passwordRequired`, `.newerSchema`, `.migrationFailed`,
    ///   `.olderSchema` (not migrating); and whatever `body` throws.
    public static func withLedger<Result>(
        _ location: PostgresLocation,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger,
        maximumConnections: Int = defaultMaximumConnections,
        ownsRuns: Bool = false,
        migrating: Bool = true,
        _ body: (PostgresLedger) async throws -> Result
    ) async throws -> Result {
        let password: String?
        var clientConfiguration: PostgresClient.Configuration
        do {
            password = try location.password.read(environment: environment)
            clientConfiguration = try location.clientConfiguration(password: password)
        } catch {
            throw PostgresLedgerError.badLocation(error)
        }
        let runOwner = try await prepare(location, password: password, keepingOpen: ownsRuns, migrating: migrating,
                                         logger: logger)

        clientConfiguration.options.maximumConnections = maximumConnections
        let client = PostgresClient(configuration: clientConfiguration, backgroundLogger: logger)
        let ledger = PostgresLedger(location: location, client: client, logger: logger, runOwner: runOwner)
        do {
            let result = try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                defer { group.cancelAll() }
                return try await body(ledger)
            }
            try? await runOwner?.close()
            return result
        } catch {
            try? await runOwner?.close()
            throw error
        }
    }

    /// Runs `body` in one transaction on a connection of the pool: committed when it returns,
    /// rolled back when it throws.
    /// - Throws: ``PostgresLedgerError`` (`.invariantViolated` when a rule of the schema
    ///   refused a change), or what `body` threw if it is not a database error.
    public func write<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        do {
            return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        } catch let error as PostgresTransactionError {
            let cause = error.closureError ?? error.commitError ?? error.beginError ?? error
            throw cause is PSQLError || cause is PostgresTransactionError ? PostgresLedgerError.from(cause) : cause
        }
    }

    /// Runs `body` on a connection of the pool, outside any explicit transaction (each
    /// statement is its own): for reads.
    public func read<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        do {
            return try await client.withConnection(body)
        } catch let error as PSQLError {
            throw PostgresLedgerError.from(error)
        }
    }

    /// The single connection that proves the credentials and migrates; kept open (and
    /// returned) when `keepingOpen`, as the session that owns this process's runs.
    private static func prepare(_ location: PostgresLocation, password: String?, keepingOpen: Bool, migrating: Bool,
                                logger: Logger) async throws -> PostgresConnection? {
        let configuration: PostgresConnection.Configuration
        do {
            configuration = try location.connectionConfiguration(password: password)
        } catch let error as PostgresLocationError {
            throw PostgresLedgerError.badLocation(error)
        } catch {
            throw PostgresLedgerError.cannotConnect(location: "\(location)", detail: "TLS setup failed: \(error)")
        }
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        } catch {
            throw connectionError(error, location: location)
        }
        do {
            let migrator = PostgresMigrator(migrations: PostgresSchema.migrations, location: "\(location)", logger: logger)
            if migrating {
                _ = try await migrator.migrate(connection)
            } else {
                try await migrator.requireCurrent(connection)
            }
            if keepingOpen { return connection }
            try await connection.close()
            return nil
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Authentication failures (SQLSTATE class 28) and a missing password are told apart
    /// from an unreachable server, since the fix differs.
    static func connectionError(_ error: any Error, location: PostgresLocation) -> PostgresLedgerError {
        guard let error = error as? PSQLError else { return .cannotConnect(location: "\(location)", detail: "\(error)") }
        if error.code == .authMechanismRequiresPassword {
            return .passwordRequired(location: "\(location)", user: location.user)
        }
        let detail = PostgresLedgerError.detail(of: error)
        if error.code == .saslError || error.code == .unsupportedAuthMechanism
            || error.serverInfo?[.sqlState]?.hasPrefix("28") == true {
            return .authenticationFailed(location: "\(location)", user: location.user, detail: detail)
        }
        return .cannotConnect(location: "\(location)", detail: detail)
    }
}
