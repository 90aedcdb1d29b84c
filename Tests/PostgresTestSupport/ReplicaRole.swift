import Foundation
import PostgresLedger
import PostgresNIO

/// A login role of the group `unpaidd_replica` holding exactly what
/// `etc/postgresql/replica-grants.sql` grants, as the README tells an operator to set up
/// replicas that do not own the ledger's tables.
public struct ReplicaRole: Sendable {
    /// The group role the grants file grants to.
    public static let group = "unpaidd_replica"
    /// The environment variable ``location`` reads the role's password from.
    public static let passwordVariable = "UNPAIDD_TEST_REPLICA_PASSWORD"

    public let name: String
    /// The same database as the owner's location, as this role.
    public let location: PostgresLocation
    public let password: String

    public var environment: [String: String] { [Self.passwordVariable: password] }

    /// The grants file of the package, split into its statements (comment lines dropped).
    public static func grantStatements() throws -> [String] {
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let text = try String(contentsOf: packageRoot.appending(path: "etc/postgresql/replica-grants.sql"), encoding: .utf8)
        let code = text.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("--") }.joined(separator: "\n")
        return code.split(separator: ";").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }
}

extension TestPostgresCluster {
    /// A new replica role for the database at `owner`, with the grants file applied there
    /// (which needs the owner to have migrated it) unless `granted` is false. The group role
    /// is created once per cluster.
    public func replicaRole(for owner: PostgresLocation, granted: Bool = true) async throws -> ReplicaRole {
        let name = "unpaidd_host_\(UUID().uuidString.prefix(8).lowercased())"
        let password = UUID().uuidString
        try await asAdministrator { connection in
            // Tests create it concurrently: whoever comes second finds it there.
            _ = try await connection.query(PostgresQuery(unsafeSQL: """
                DO $$ BEGIN CREATE ROLE \(ReplicaRole.group) NOLOGIN;
                EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$
                """), logger: RunningPostgres.quiet)
            _ = try await connection.query(PostgresQuery(unsafeSQL: """
                CREATE ROLE \(name) LOGIN PASSWORD '\(password)' IN ROLE \(ReplicaRole.group)
                """), logger: RunningPostgres.quiet)
        }
        if granted {
            try await asAdministrator(database: owner.database) { connection in
                for statement in try ReplicaRole.grantStatements() {
                    _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: RunningPostgres.quiet)
                }
            }
        }
        var location = owner
        location.user = name
        location.password = .environment(ReplicaRole.passwordVariable)
        return ReplicaRole(name: name, location: location, password: password)
    }
}
