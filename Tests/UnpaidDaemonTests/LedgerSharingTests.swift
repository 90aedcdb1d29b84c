import Foundation
import Logging
import PostgresLedger
import PostgresTestSupport
import Testing
@testable import UnpaidDaemon

/// How the ledger's backend decides who shares the work: one process on SQLite, every
/// replica on PostgreSQL, whose claims and `[daemon]` limits then live in the database.
@Suite struct LedgerSharingTests {
    static let logger = Logger(label: "sharing-tests") { _ in SwiftLogNoOpLogHandler() }

    @Test func aSQLiteLedgerIsOneProcessWithItsLimitsInMemory() async throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "sharing-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let storage = StorageSettings(database: directory + "/ledger.sqlite", archiveDirectory: directory + "/archive",
                                      spoolDirectory: directory + "/archive/.spool")
        try await storage.withOpenLedger(.create, logger: Self.logger) { open in
            guard case .oneProcess = open.sharing else { Issue.record("SQLite is shared: \(open.sharing)"); return }
            let limits = SharedLimits(DaemonSettings(), sharing: open.sharing, replica: ReplicaID("r1"))
            #expect(limits.organizations is ConcurrencyLimiter)
            #expect(limits.apiCalls is TokenBucket)
            #expect(open.sharing.workClaims(replica: ReplicaID("r1")) is InProcessWorkClaims)
            #expect(open.ledger.location == directory + "/ledger.sqlite")
        }
    }

    @Test func onAPostgresLedgerClaimsAndLimitsAreTheAccountsInTheDatabase() async throws {
        let location = try await TestPostgresCluster.shared.freshDatabase()
        let environment = try await TestPostgresCluster.shared.environment()
        try await PostgresLedger.withLedger(location, environment: environment, logger: Self.logger) { postgres in
            var settings = DaemonSettings()
            settings.maxConcurrentOrganizations = 2
            let limits = SharedLimits(settings, sharing: .replicas(postgres), replica: ReplicaID("r1"))
            #expect(limits.organizations is PostgresOrganizationLimit)
            #expect(limits.apiCalls is PostgresAPICallLimit)
            let claims = LedgerSharing.replicas(postgres).workClaims(replica: ReplicaID("r1"))
            #expect(claims is PostgresWorkClaims)
            #expect(claims.replica == ReplicaID("r1"))
            // The claims are the database's: another replica's view sees this one's fire taken.
            let fire = FireKey(job: "daily", scheduledAt: Date(timeIntervalSince1970: 1_795_000_000))
            guard case .won = try await claims.claimFire(fire) else { Issue.record("first claim lost"); return }
            let other = LedgerSharing.replicas(postgres).workClaims(replica: ReplicaID("r2"))
            #expect(try await other.claimFire(fire) == .taken(by: ReplicaID("r1")))
        }
    }

    @Test func thePasswordVariableIsReadFromTheEnvironmentGivenAndNamedWhenMissing() async throws {
        let location = try await TestPostgresCluster.shared.freshDatabase()
        var storage = StorageSettings(ledger: .postgres(location), archiveDirectory: "/nonexistent",
                                      spoolDirectory: "/nonexistent/.spool")
        var missing = location
        missing.password = .environment("UNPAIDD_SHARING_TEST_UNSET")
        storage.ledger = .postgres(missing)
        let error = await #expect(throws: PostgresLedgerError.self) {
            try await storage.withLedger(.readOnly, logger: Self.logger, environment: [:]) { _ in }
        }
        #expect("\(error.map { "\($0)" } ?? "")".contains("UNPAIDD_SHARING_TEST_UNSET"), "\(String(describing: error))")
    }
}
