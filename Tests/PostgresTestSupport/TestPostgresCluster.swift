import Foundation
import Logging
import PostgresLedger
import PostgresNIO

/// A real PostgreSQL server for the tests of one test process: started on first use from the
/// installed `initdb`/`pg_ctl` in a temporary directory, on 127.0.0.1 at a free port, with
/// SCRAM password authentication; stopped and removed by a watchdog when the process ends,
/// however it ends.
///
/// ```swift
/// let location = try await TestPostgresCluster.shared.freshDatabase()
/// try await PostgresLedger.withLedger(location, environment: TestPostgresCluster.shared.environment()) { … }
/// ```
public final class TestPostgresCluster: Sendable {
    public static let shared = TestPostgresCluster()

    private let started: Task<RunningPostgres, any Error>

    private init() {
        started = Task { try await RunningPostgres.start() }
    }

    /// The environment variable the test role's password is in, for ``PostgresLocation``s.
    public static let passwordVariable = "UNPAIDD_TEST_POSTGRES_PASSWORD"

    /// A new, empty database owned by the (non-superuser) test role, so each test runs in
    /// isolation while tests run in parallel. Its password is read from ``environment()``.
    public func freshDatabase(tlsMode: PostgresLocation.TLSMode = .disable) async throws -> PostgresLocation {
        let server = try await started.value
        let name = "test_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
        try await server.asAdministrator { connection in
            _ = try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name) OWNER \(RunningPostgres.testRole)"),
                                       logger: RunningPostgres.quiet)
        }
        var location = PostgresLocation(endpoint: .tcp(host: "127.0.0.1", port: server.port), user: RunningPostgres.testRole,
                                        database: name, tlsMode: tlsMode, password: .environment(Self.passwordVariable))
        // Hundreds of tests share one server on a loaded 2-core CI machine: a burst of them once
        // waited more than the default 10 s for a connection, failing tests with nothing wrong.
        location.connectTimeout = .seconds(60)
        return location
    }

    /// The variables a process needs to connect as the test role: the password under ``passwordVariable``.
    public func environment() async throws -> [String: String] {
        [Self.passwordVariable: try await started.value.rolePassword]
    }

    /// The server's port on 127.0.0.1 and the directory of its unix socket.
    public func endpoint() async throws -> (port: Int, socketDirectory: String) {
        let server = try await started.value
        return (server.port, server.directory)
    }

    /// Runs SQL as the cluster's superuser, in the `postgres` database or `database`.
    public func asAdministrator<Result: Sendable>(
        database: String = "postgres", _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await started.value.asAdministrator(database: database, body)
    }
}
