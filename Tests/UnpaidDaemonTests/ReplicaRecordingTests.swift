import Foundation
import Ledger
import Logging
import PostgresLedger
import PostgresTestSupport
import Testing
@testable import UnpaidDaemon

/// Replicas running the real pipeline against the simulator, recording into the PostgreSQL
/// ledger that holds their claims: each organization of a fire is recorded once, whether
/// its replica dies right after recording it or stalls past its lease.
@Suite(.timeLimit(.minutes(10))) struct ReplicaRecordingTests {
    static let leaseSeconds = ClaimsBackend.postgresLeaseSeconds

    @Test func aReplicaKilledBeforeMarkingItsOrganizationsDoneLeavesNothingToFetchAgain() async throws {
        let cloud = try await SimulatedCloud.start(organizations: 3)
        defer { Task { await cloud.stop() } }
        try await withSharedLedger { ledger in
            let killed = InterferedClaims(PostgresWorkClaims(ledger: ledger, replica: ReplicaID("killed"),
                                                             leaseDuration: Self.leaseSeconds),
                                          killedBeforeFinish: true)
            let survivor = PostgresWorkClaims(ledger: ledger, replica: ReplicaID("survivor"), leaseDuration: Self.leaseSeconds)
            let fire = FireKey(job: cloud.job.name, scheduledAt: Date())
            guard case .won(let lease) = try await killed.claimFire(fire) else {
                Issue.record("the first claim must win")
                return
            }
            let summary = try await runner(cloud, ledger).run(cloud.job, claimed: ClaimedFire(lease: lease, claims: killed))
            #expect(summary.snapshots.count == 3)
            // Its leases run out; no `finish` of it ever reached the claims.
            try await Task.sleep(for: .seconds(Self.leaseSeconds + 0.5))

            #expect(try await survivor.claimAbandonedFire(ofJobs: [cloud.job.name]) == nil, "nothing left to take over")
            #expect(try await survivor.claimItem(of: fire) == nil)
            let progress = try #require(try await survivor.progress(of: fire))
            #expect(progress.isComplete)
            #expect(progress.done == Dictionary(uniqueKeysWithValues: summary.snapshots.map {
                ($0.organizationID, ItemOutcome.recorded(snapshotID: $0.id.rawValue))
            }))
            #expect(try await ledger.counts().snapshots == 3)
            #expect(await cloud.simulator.counters().apiCalls["DownloadListUnpaidOrders"] == 3)
        }
    }

    @Test func aReplicaThatStalledPastItsLeaseHasItsLateSnapshotRefusedAndItsFileSetAside() async throws {
        let cloud = try await SimulatedCloud.start(organizations: 1)
        defer { Task { await cloud.stop() } }
        try await withSharedLedger { ledger in
            let other = PostgresWorkClaims(ledger: ledger, replica: ReplicaID("other"), leaseDuration: Self.leaseSeconds)
            let fire = FireKey(job: cloud.job.name, scheduledAt: Date())
            let stalledClaims = PostgresWorkClaims(ledger: ledger, replica: ReplicaID("stalled"), leaseDuration: 1)
            guard case .won(let lease) = try await stalledClaims.claimFire(fire) else {
                Issue.record("the first claim must win")
                return
            }
            let (stalledLog, otherLog) = (LogRecorder(), LogRecorder())
            let otherRuns = LockedList<RunSummary>()
            // The stalled replica holds the organization, then stops past its lease while
            // the other replica takes the organization over and records it.
            let stalled = InterferedClaims(stalledClaims) {
                try await Task.sleep(for: .seconds(1.5))
                otherRuns.append(try await runner(cloud, ledger, logger: otherLog.logger)
                    .run(cloud.job, claimed: ClaimedFire(lease: lease, claims: other)))
            }
            // One organization at a time: a second task of the stalled replica would otherwise
            // take the organization back once its 1 s lease expired, as a paused process cannot.
            let late = try await runner(cloud, ledger, logger: stalledLog.logger, organizationsAtOnce: 1)
                .run(cloud.job, claimed: ClaimedFire(lease: lease, claims: stalled))

            let organization = cloud.job.organizations[0]
            let taken = try #require(otherRuns.all.first)
            #expect(taken.status == .succeeded && taken.snapshots.map(\.organizationID) == [organization])
            #expect(late.status == .failed && late.snapshots.isEmpty)
            let failure = try #require(late.failures.first)
            let lost = LedgerError.workItemLost(job: cloud.job.name, organizationID: organization,
                                                scheduledAt: fire.scheduledAt, owner: "stalled")
            #expect(failure.stage == .ledger && failure.message == "\(lost)")
            #expect(failure.rejectedFile?.contains("/archive/unrecorded/") == true)
            #expect(cloud.files(under: "archive/unrecorded").count == 1)
            let logged = try #require(stalledLog.entries("organization failed").first)
            #expect(logged.metadata["error"]?.contains("another replica took this organization over") == true)

            #expect(try await ledger.counts().snapshots == 1)
            let snapshot = try #require(taken.snapshots.first)
            #expect(try await other.progress(of: fire)?.done == [organization: .recorded(snapshotID: snapshot.id.rawValue)])
            // The replica that recorded it confirms its own item: no lease reported lost.
            #expect(otherLog.all.filter { $0.level >= .warning }.map(\.message) == [])
            #expect(await cloud.simulator.counters().apiCalls["DownloadListUnpaidOrders"] == 2)
        }
    }

    // MARK: - Helpers

    private func withSharedLedger(_ body: (PostgresLedger) async throws -> Void) async throws {
        let cluster = TestPostgresCluster.shared
        let logger = Logger(label: "replica-recording") { _ in SwiftLogNoOpLogHandler() }
        try await PostgresLedger.withLedger(try await cluster.freshDatabase(), environment: try await cluster.environment(),
                                            logger: logger, body)
    }

    /// The simulated cloud's pipeline, recording into `ledger`.
    private func runner(_ cloud: SimulatedCloud, _ ledger: PostgresLedger,
                        logger: Logger = Logger(label: "replica-recording") { _ in SwiftLogNoOpLogHandler() },
                        organizationsAtOnce: Int = 4) -> JobRunner {
        JobRunner(pipeline: ExportPipeline(configuration: cloud.configuration, ledger: ledger,
                                           privateKey: SimulatedCloud.privateKey, logger: logger),
                  maxConcurrentOrganizations: organizationsAtOnce, logger: logger)
    }
}

/// A replica's claims, forwarded to PostgreSQL, with what its process does between two
/// calls: it may stall right after taking its first organization, or die before any
/// `finish` reaches the database.
private struct InterferedClaims: WorkClaims {
    struct Killed: Error {}

    let claims: PostgresWorkClaims
    /// Run once, right after the first organization was taken: a long pause of the process.
    var stallAfterFirstClaim: (@Sendable () async throws -> Void)?
    /// The process dies after each snapshot commits, before marking it done.
    var killedBeforeFinish = false
    private let stalled = Shared(false)

    init(_ claims: PostgresWorkClaims, stallAfterFirstClaim: (@Sendable () async throws -> Void)? = nil,
         killedBeforeFinish: Bool = false) {
        self.claims = claims
        self.stallAfterFirstClaim = stallAfterFirstClaim
        self.killedBeforeFinish = killedBeforeFinish
    }

    var replica: ReplicaID { claims.replica }
    var leaseDuration: TimeInterval { claims.leaseDuration }
    func claimFire(_ fire: FireKey) async throws -> FireClaim { try await claims.claimFire(fire) }
    func renew(_ lease: FireLease) async throws -> FireLease? { try await claims.renew(lease) }
    func release(_ lease: FireLease) async throws { try await claims.release(lease) }
    func claimAbandonedFire(ofJobs jobs: Set<String>) async throws -> FireLease? { try await claims.claimAbandonedFire(ofJobs: jobs) }
    func openItems(of fire: FireLease, organizations: [Int64]) async throws {
        try await claims.openItems(of: fire, organizations: organizations)
    }
    func claimItem(of fire: FireKey) async throws -> ItemLease? {
        let lease = try await claims.claimItem(of: fire)
        if lease != nil, let stall = stallAfterFirstClaim, !stalled.value {
            stalled.update { $0 = true }
            try await stall()
        }
        return lease
    }
    func renew(_ lease: ItemLease) async throws -> ItemLease? { try await claims.renew(lease) }
    func sharedWorkItem(for lease: ItemLease) -> SharedWorkItem? { claims.sharedWorkItem(for: lease) }
    func finish(_ lease: ItemLease, _ outcome: ItemOutcome) async throws -> Bool {
        if killedBeforeFinish { throw Killed() }
        return try await claims.finish(lease, outcome)
    }
    func release(_ lease: ItemLease) async throws { try await claims.release(lease) }
    func progress(of fire: FireKey) async throws -> FireProgress? { try await claims.progress(of: fire) }
    func waitForRenewal() async throws { try await claims.waitForRenewal() }
}
