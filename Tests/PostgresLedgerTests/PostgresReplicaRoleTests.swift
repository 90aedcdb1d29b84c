import Foundation
import Ledger
import LedgerTestSupport
import Logging
import PostgresNIO
import PostgresTestSupport
import Testing
import UnpaidCore
@testable import PostgresLedger

/// Replicas connecting as a role that does not own the ledger, with only what
/// `etc/postgresql/replica-grants.sql` grants: enough to do their work, not enough to
/// rewrite history.
@Suite struct PostgresReplicaRoleTests {
    let cluster = TestPostgresCluster.shared
    let logger = Logger(label: "postgres-replica-role-tests", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A database its owner migrated, and a replica role on it.
    func migratedDatabase() async throws -> ReplicaRole {
        let owner = try await cluster.freshDatabase()
        try await PostgresLedger.withLedger(owner, environment: try await cluster.environment(), logger: logger) { _ in }
        return try await cluster.replicaRole(for: owner)
    }

    /// A replica connecting as a role that does not own the tables (only what
    /// `replica-grants.sql` grants) records, compares and alerts: the chain's lock, the run's
    /// row lock, the snapshot's id and the moved orders' temporary table need nothing more.
    @Test func aReplicaRoleRecordsSnapshotsAndTheirAlerts() async throws {
        let role = try await migratedDatabase()
        try await PostgresLedger.withLedger(role.location, environment: role.environment, logger: logger) { ledger in
            let recorder = LedgerRecorder(ledger)
            try await recorder.recordAlerting(SnapshotRecordingTests.awkward, shaSeed: 1, minute: 0)
            let second = try await recorder.recordAlerting([order("A", "0.2"), order("N", "1")], shaSeed: 2, minute: 10) {
                AlertingPlan(states: [AlertState(
                    identity: AlertIdentity(rule: "grew", job: "monthly", organizationID: 42, currency: "USD"),
                    status: .firing, firingSince: 1_000, lastNotifiedAt: 1_000, lastSnapshotID: $0.snapshot.id.rawValue)],
                             deliveries: [], now: 1_000)
            }
            #expect(try await ledger.changeRows(in: second.record.id).map(\.newOrderNumbers) == [[], ["N"]])
            #expect(try await ledger.recordAlerts(job: "monthly", organizationID: 42) { _ in .nothing(at: 0) } == 0)
            #expect(try await ledger.chainHead()?.snapshotID == second.record.id.rawValue)
        }
    }

    @Test func aReplicaRoleOpensAMigratedLedgerAndDoesAReplicasWork() async throws {
        let role = try await migratedDatabase()
        try await PostgresLedger.withLedger(role.location, environment: role.environment, logger: logger) { ledger in
            #expect(try await ledger.appliedMigrations().map(\.name) == PostgresSchema.migrationNames)
            let scheduledAt = Date(timeIntervalSince1970: 1_764_000_000)
            guard case .won = try await ledger.claimFire(job: "daily", scheduledAt: scheduledAt, replica: "a",
                                                         leaseSeconds: 30) else {
                Issue.record("the first claim must win")
                return
            }
            #expect(try await ledger.renewFire(job: "daily", scheduledAt: scheduledAt, replica: "a", leaseSeconds: 30) != nil)
            try await ledger.openItems(job: "daily", scheduledAt: scheduledAt, replica: "a", organizations: [1, 2])
            let item = try #require(try await ledger.claimItem(job: "daily", scheduledAt: scheduledAt, replica: "a",
                                                               leaseSeconds: 30))
            #expect(try await ledger.renewItem(job: "daily", scheduledAt: scheduledAt, organizationID: item.organizationID,
                                               replica: "a", leaseSeconds: 30) != nil)
            #expect(try await ledger.finishItem(job: "daily", scheduledAt: scheduledAt, organizationID: item.organizationID,
                                                replica: "a", snapshotID: nil))
            try await ledger.releaseFire(job: "daily", scheduledAt: scheduledAt, replica: "a")
            #expect(try await ledger.claimAbandonedFire(jobs: ["daily"], replica: "b", leaseSeconds: 30)?.scheduledAt
                    == scheduledAt)

            let run = try await ledger.startRun(job: "daily", startedAt: scheduledAt)
            try await ledger.recordFailure(OrganizationFailure(runID: run, job: "daily", organizationID: 2,
                                                               failedAt: 1_764_000_001, stage: "fetch", error: "refused"))
            try await ledger.finishRun(run, status: .failed, error: "refused", finishedAt: scheduledAt)
            try await ledger.recordFire(job: "daily", scheduledAt: scheduledAt)
            try await ledger.recordFire(job: "daily", scheduledAt: scheduledAt.addingTimeInterval(60))
            #expect(try await ledger.lastFire(job: "daily") == scheduledAt.addingTimeInterval(60))

            _ = try await ledger.takeAPIToken(rate: 5, burst: 5)
            try await ledger.returnAPIToken()
            let turn = try #require(try await ledger.takeOrganizationTurn(limit: 2, replica: "a", leaseSeconds: 30))
            #expect(try await ledger.renewOrganizationTurn(turn, replica: "a", leaseSeconds: 30))
            try await ledger.releaseOrganizationTurn(turn, replica: "a")
        }
    }

    @Test(arguments: [
        "DROP TABLE snapshot",
        "ALTER TABLE run DISABLE TRIGGER run_is_never_deleted",
        "DELETE FROM run",
        "TRUNCATE outbox",
        "UPDATE snapshot SET row_count = 0",
        "UPDATE series SET organization_id = 0",
        "CREATE TABLE shadow (id BIGINT)",
    ])
    func aReplicaRoleCannotRewriteHistoryNorTheSchema(_ statement: String) async throws {
        let role = try await migratedDatabase()
        try await PostgresLedger.withLedger(role.location, environment: role.environment, logger: logger) { ledger in
            do {
                try await ledger.write { connection in
                    _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                Issue.record("the replica role was allowed: \(statement)")
            } catch let error as PostgresLedgerError {
                // Refused for want of privilege, before any trigger had to.
                #expect(error.description.contains("[SQLSTATE 42501]"), "\(statement): \(error)")
            }
        }
    }

    @Test func aReplicaRoleCannotMigrateAFreshDatabase() async throws {
        let owner = try await cluster.freshDatabase()
        let role = try await cluster.replicaRole(for: owner, granted: false)
        do {
            try await PostgresLedger.withLedger(role.location, environment: role.environment, logger: logger) { _ in }
            Issue.record("a role that may not create tables migrated a fresh database")
        } catch let error as PostgresLedgerError {
            guard case .migrationFailed(_, _, _, let detail) = error else {
                Issue.record("expected migrationFailed, got \(error)")
                return
            }
            #expect(detail.contains("[SQLSTATE 42501]") && detail.contains("start unpaidd once with the role that owns"),
                    "says what to do: \(detail)")
        }
        let tables = try await cluster.asAdministrator(database: owner.database) { connection in
            var count = 0
            let rows = try await connection.query(
                "SELECT count(*)::BIGINT FROM pg_tables WHERE schemaname = 'public'", logger: logger)
            for try await value in rows.decode(Int64.self) { count = Int(value) }
            return count
        }
        #expect(tables == 0, "nothing of the schema was created by a role that may not")
    }
}
