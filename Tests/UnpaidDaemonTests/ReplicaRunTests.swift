import Foundation
import Testing
import UnpaidCore
@testable import UnpaidDaemon

/// The real pipeline against the simulator, taking its organizations from shared claims.
@Suite(.timeLimit(.minutes(10))) struct ReplicaRunTests {
    @Test(arguments: ClaimsBackend.all)
    func aRunLeftByADeadReplicaIsFinishedByAnotherEachOrganizationOnce(_ backend: ClaimsBackend) async throws {
        let cloud = try await SimulatedCloud.start(organizations: 4)
        defer { Task { await cloud.stop() } }
        try await backend.withFixture { fixture in
            let (dead, survivor) = (fixture.replicas[0], fixture.replicas[1])
            let fire = FireKey(job: cloud.job.name, scheduledAt: Date())
            guard case .won(let lease) = try await dead.claimFire(fire) else {
                Issue.record("the first claim must win")
                return
            }
            try await dead.openItems(of: lease, organizations: cloud.job.organizations)
            let held = try #require(try await dead.claimItem(of: fire))
            // The first replica is killed here, holding its first organization.
            try await fixture.expireLeases()

            let adopted = try #require(try await survivor.claimAbandonedFire(ofJobs: [cloud.job.name]))
            let summaries = LockedList<RunSummary>()
            let executor = PipelineJobExecutor(configuration: cloud.configuration, runner: cloud.runner) { summaries.append($0) }
            try await executor.execute(ClaimedFire(lease: adopted, claims: survivor))

            let summary = try #require(summaries.all.first)
            #expect(summary.status == .succeeded)
            #expect(summary.snapshots.map(\.organizationID) == cloud.job.organizations.sorted())
            #expect(summary.window == cloud.job.period.window(at: fire.scheduledAt, in: cloud.job.timeZone))
            let recorded = try cloud.ledger.history().map { ($0.organizationID, $0.snapshotID) }
            let snapshotsPerOrganization = Dictionary(grouping: Set(recorded.map { "\($0.0) \($0.1)" }),
                                                      by: { $0.split(separator: " ")[0] }).mapValues(\.count)
            #expect(snapshotsPerOrganization.count == 4 && snapshotsPerOrganization.values.allSatisfy { $0 == 1 })
            #expect(try await dead.finish(held, .failed) == false, "the dead replica's late word changes nothing")
            let progress = try #require(try await survivor.progress(of: fire))
            #expect(progress.isComplete && progress.done.count == 4)
            #expect(await cloud.simulator.counters().apiCalls["DownloadListUnpaidOrders"] == 4)
        }
    }

    @Test(arguments: ClaimsBackend.all)
    func twoRunnersOnOneFireShareItsOrganizations(_ backend: ClaimsBackend) async throws {
        let cloud = try await SimulatedCloud.start(organizations: 6)
        defer { Task { await cloud.stop() } }
        try await backend.withFixture { fixture in
            let fire = FireKey(job: cloud.job.name, scheduledAt: Date())
            guard case .won(let lease) = try await fixture.replicas[0].claimFire(fire) else {
                Issue.record("the first claim must win")
                return
            }
            try await fixture.replicas[0].openItems(of: lease, organizations: cloud.job.organizations)
            // The second replica helps under the same fire; its own opening changes nothing.
            async let first = cloud.runner.run(cloud.job, claimed: ClaimedFire(lease: lease, claims: fixture.replicas[0]))
            async let second = cloud.runner.run(cloud.job, claimed: ClaimedFire(lease: lease, claims: fixture.replicas[1]))
            let summaries = try await [first, second]
            let organizations = summaries.flatMap { $0.snapshots.map(\.organizationID) }
            #expect(organizations.sorted() == cloud.job.organizations.sorted())
            #expect(summaries.allSatisfy { $0.failures.isEmpty })
            #expect(await cloud.simulator.counters().apiCalls["DownloadListUnpaidOrders"] == 6)
        }
    }

    @Test(arguments: ClaimsBackend.all)
    func aCancelledRunGivesItsOrganizationsBackForAnotherReplica(_ backend: ClaimsBackend) async throws {
        let cloud = try await SimulatedCloud.start(organizations: 3)
        defer { Task { await cloud.stop() } }
        try await backend.withFixture { fixture in
            let (stopping, other) = (fixture.replicas[0], fixture.replicas[1])
            let fire = FireKey(job: cloud.job.name, scheduledAt: Date())
            guard case .won(let lease) = try await stopping.claimFire(fire) else {
                Issue.record("the first claim must win")
                return
            }
            // Every turn is taken elsewhere, so the run waits until it is cancelled (a shutdown).
            let turns = ConcurrencyLimiter(limit: 1)
            let (gate, open) = AsyncStream<Void>.makeStream()
            let holder = Task { try await turns.withPermit { for await _ in gate {} } }
            while turns.inUse == 0 { await Task.yield() }
            let runner = JobRunner(pipeline: cloud.runner.pipeline, organizationLimiter: turns, logger: cloud.runner.logger)
            let run = Task { try await runner.run(cloud.job, claimed: ClaimedFire(lease: lease, claims: stopping)) }
            while try await stopping.progress(of: fire)?.unclaimed.count != cloud.job.organizations.count {
                try Task.checkCancellation()
                await Task.yield()
            }
            run.cancel()
            let summary = try await run.value
            open.finish()
            _ = try await holder.value

            #expect(summary.status == .failed && summary.snapshots.isEmpty)
            #expect(summary.failures.map(\.organizationID) == cloud.job.organizations.sorted())
            #expect(summary.failures.allSatisfy { $0.message == "not started: the run was cancelled while waiting for a turn" })
            try await stopping.release(lease)
            let adopted = try #require(try await other.claimAbandonedFire(ofJobs: [cloud.job.name]))
            #expect(adopted.fire == fire)
            #expect(try await other.progress(of: fire)?.unclaimed == cloud.job.organizations.sorted())
        }
    }
}
