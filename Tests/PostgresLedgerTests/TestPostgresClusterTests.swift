import Foundation
import Logging
import PostgresNIO
import PostgresTestSupport
import Testing
@testable import PostgresLedger

@Suite struct TestPostgresClusterTests {
    @Test func aFreshDatabaseIsEmptyOwnedByTheTestRoleAndReachedWithItsPassword() async throws {
        let location = try await TestPostgresCluster.shared.freshDatabase()
        let password = try location.password.read(environment: try await TestPostgresCluster.shared.environment())
        let connection = try await PostgresConnection.connect(
            configuration: try location.connectionConfiguration(password: password), id: 1, logger: Logger(label: "test"))
        defer { Task { try await connection.close() } }
        let rows = try await connection.query(
            "SELECT current_user, current_database(), (SELECT count(*) FROM pg_tables WHERE schemaname = 'public')",
            logger: Logger(label: "test"))
        for try await (user, database, tables) in rows.decode((String, String, Int).self) {
            #expect(user == "unpaidd_test")
            #expect(database == location.database)
            #expect(tables == 0)
        }
    }

    @Test func aWrongPasswordIsRefusedBecauseTheServerChecksIt() async throws {
        let location = try await TestPostgresCluster.shared.freshDatabase()
        await #expect(throws: PSQLError.self) {
            let connection = try await PostgresConnection.connect(
                configuration: try location.connectionConfiguration(password: "not-the-password"), id: 1,
                logger: Logger(label: "test"))
            try await connection.close()
        }
    }
}
