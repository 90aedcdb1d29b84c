import Foundation
import Logging
import ServiceLifecycle
import Testing
import UnpaidCore
@testable import UnpaidDaemon

/// Two schedulers on one set of work claims stand for two replicas of `unpaidd run`,
/// each with a clock of its own.
@Suite(.timeLimit(.minutes(10))) struct ReplicaSchedulingTests {
    let utc = TimeZone(identifier: "UTC")!
    let log = LogRecorder()
    let quiet = Logger(label: "group") { _ in SwiftLogNoOpLogHandler() }

    struct Replica {
        let clock: ManualWallClock
        let executor: ScriptedExecutor
        let scheduler: Scheduler
    }

    func replica(_ claims: any WorkClaims, jobs: [ScheduledJob], clock now: String,
                 store: MemoryFireTimeStore = MemoryFireTimeStore()) -> Replica {
        let clock = ManualWallClock(now: instant(now))
        let executor = ScriptedExecutor()
        return Replica(clock: clock, executor: executor,
                       scheduler: Scheduler(jobs: jobs, executor: executor, store: store, claims: claims, clock: clock,
                                            logger: log.logger))
    }

    func replicas(_ fixture: ClaimsFixture, jobs: [ScheduledJob], clocks: [String],
                  store: MemoryFireTimeStore = MemoryFireTimeStore()) -> [Replica] {
        zip(fixture.replicas, clocks).map { replica($0, jobs: jobs, clock: $1, store: store) }
    }

    func job(_ name: String, _ expression: String) throws -> ScheduledJob {
        ScheduledJob(name: name, schedule: try Schedule(parsing: expression), timeZone: utc)
    }

    func running(_ services: [any Service], _ body: () async throws -> Void) async throws {
        let group = ServiceGroup(configuration: .init(services: services, logger: quiet))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                try await body()
            } catch {
                // A failed expectation must end the test, not leave the services running.
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// Returns once `message` was logged `count` times (or the test timed out).
    func logged(_ message: String, count: Int) async {
        while log.entries(message).count < count, !Task.isCancelled { await Task.yield() }
    }

    /// A replica claims `fire` (the first to) and dies before opening its organizations.
    func claimThenDie(_ fire: FireKey, _ replica: any WorkClaims) async throws {
        let claim = try await replica.claimFire(fire)
        let won = if case .won = claim { true } else { false }
        try #require(won, "the first claim must win: \(claim)")
    }

    @Test(arguments: ClaimsBackend.all)
    func twoReplicasRunEachFireOnce(_ backend: ClaimsBackend) async throws {
        try await backend.withFixture { fixture in
            let pair = replicas(fixture, jobs: [try job("minutely", "* * * * *")],
                                clocks: ["2026-11-22T10:00:30Z", "2026-11-22T10:00:30Z"])
            try await running(pair.map(\.scheduler)) {
                for (index, minute) in ["01", "02", "03"].enumerated() {
                    for replica in pair {
                        await replica.clock.waitForSleeper(until: instant("2026-11-22T10:\(minute):00Z"))
                        replica.clock.advance(to: instant("2026-11-22T10:\(minute):00Z"))
                    }
                    await logged("fire run by another replica", count: index + 1)
                    await logged("run finished", count: index + 1)
                }
            }
            let runs = pair.flatMap(\.executor.started).map(\.scheduledAt).sorted()
            #expect(runs == ["01", "02", "03"].map { instant("2026-11-22T10:\($0):00Z") })
        }
    }

    @Test(arguments: ClaimsBackend.all)
    func aReplicaWhoseClockLagsNeverRunsAFireAgain(_ backend: ClaimsBackend) async throws {
        try await backend.withFixture { fixture in
            let pair = replicas(fixture, jobs: [try job("minutely", "* * * * *")],
                                clocks: ["2026-11-22T10:00:30Z", "2026-11-22T09:58:30Z"])
            let (ahead, behind) = (pair[0], pair[1])
            try await running(pair.map(\.scheduler)) {
                await ahead.clock.waitForSleeper(until: instant("2026-11-22T10:01:00Z"))
                ahead.clock.advance(to: instant("2026-11-22T10:01:00Z"))
                await logged("run finished", count: 1)
                // Two minutes behind, the other replica reaches 09:59, 10:00, then 10:01.
                for (minute, superseded) in [("09:59", 1), ("10:00", 2)] {
                    await behind.clock.waitForSleeper(until: instant("2026-11-22T\(minute):00Z"))
                    behind.clock.advance(to: instant("2026-11-22T\(minute):00Z"))
                    await logged("fire not run: a newer fire of the job was already claimed (is this replica's clock behind?)",
                                 count: superseded)
                }
                await behind.clock.waitForSleeper(until: instant("2026-11-22T10:01:00Z"))
                behind.clock.advance(to: instant("2026-11-22T10:01:00Z"))
                await logged("fire run by another replica", count: 1)
            }
            #expect(ahead.executor.started.map(\.scheduledAt) == [instant("2026-11-22T10:01:00Z")])
            #expect(behind.executor.started.isEmpty)
        }
    }

    @Test(arguments: ClaimsBackend.all)
    func catchUpAfterATotalOutageHappensOnce(_ backend: ClaimsBackend) async throws {
        try await backend.withFixture(replicas: 3) { fixture in
            let store = MemoryFireTimeStore(["sync": instant("2026-11-20T00:00:00Z")])
            let three = replicas(fixture, jobs: [try job("sync", "0 */6 * * *")],
                                 clocks: Array(repeating: "2026-11-22T13:00:00Z", count: 3), store: store)
            try await running(three.map(\.scheduler)) {
                await logged("run finished", count: 1)
                await logged("fire run by another replica", count: 2)
            }
            #expect(three.flatMap(\.executor.started).map(\.scheduledAt) == [instant("2026-11-22T12:00:00Z")])
            #expect(store.recorded("sync").last == instant("2026-11-22T12:00:00Z"))
        }
    }

    @Test(arguments: ClaimsBackend.all)
    func theSweepHandsAFireLeftByADeadReplicaToTheScheduler(_ backend: ClaimsBackend) async throws {
        try await backend.withFixture { fixture in
            let fire = FireKey(job: "daily", scheduledAt: instant("2026-11-22T06:30:00Z"))
            try await claimThenDie(fire, fixture.replicas[0])
            let survivor = replica(fixture.replicas[1], jobs: [try job("daily", "30 6 * * *")], clock: "2026-11-22T10:00:00Z")
            let sweep = OrphanSweep(claims: fixture.replicas[1], scheduler: survivor.scheduler, clock: survivor.clock,
                                    logger: log.logger)
            try await running([survivor.scheduler]) {
                await sweep.sweep()
                #expect(survivor.executor.started.isEmpty, "a live lease is left alone")
                try await fixture.expireLeases()
                await sweep.sweep()
                await logged("run finished", count: 1)
            }
            #expect(survivor.executor.started == [.init(job: "daily", scheduledAt: fire.scheduledAt)])
            #expect(log.entries("run started").first?.metadata["reason"] == "takeover")
            #expect(try await fixture.replicas[1].claimAbandonedFire(ofJobs: ["daily"]) == nil, "finished once")
        }
    }

    /// A replica whose job is running when it takes over a dead replica's fire of that job
    /// runs it after its own run, instead of giving it back: replicas that are always busy
    /// (a short schedule, a loaded host) would otherwise hand it round and never finish it.
    @Test(arguments: ClaimsBackend.all)
    func aFireTakenOverWhileItsJobRunsHereRunsAfterThatRun(_ backend: ClaimsBackend) async throws {
        try await backend.withFixture { fixture in
            let abandoned = FireKey(job: "minutely", scheduledAt: instant("2026-11-22T09:00:00Z"))
            try await claimThenDie(abandoned, fixture.replicas[0])
            // Its lease runs out before the survivor's own fire is claimed.
            try await fixture.expireLeases()
            let clock = ManualWallClock(now: instant("2026-11-22T10:00:30Z"))
            let executor = ScriptedExecutor(holding: ["minutely"])
            let survivor = Replica(clock: clock, executor: executor, scheduler: Scheduler(
                jobs: [try job("minutely", "* * * * *")], executor: executor, store: MemoryFireTimeStore(),
                claims: fixture.replicas[1], clock: clock, logger: log.logger))
            let sweep = OrphanSweep(claims: fixture.replicas[1], scheduler: survivor.scheduler, clock: clock,
                                    logger: log.logger)
            try await running([survivor.scheduler]) {
                await survivor.clock.waitForSleeper(until: instant("2026-11-22T10:01:00Z"))
                survivor.clock.advance(to: instant("2026-11-22T10:01:00Z"))
                await survivor.executor.waitForStarts(1)
                await sweep.sweep()
                let queued = "fire taken over; it runs when the job's run in flight here ends"
                let givenBack = "fire given back to the other replicas"
                while log.entries(queued).isEmpty, log.entries(givenBack).isEmpty, !Task.isCancelled { await Task.yield() }
                let wasGivenBack = !log.entries(givenBack).isEmpty
                #expect(!wasGivenBack, "the fire taken over is queued, not given back")
                let stolen = try await fixture.replicas[0].claimAbandonedFire(ofJobs: ["minutely"])
                #expect(stolen == nil, "the survivor keeps the fire it took over")
                survivor.executor.release()
                await logged("run finished", count: wasGivenBack ? 1 : 2)
            }
            #expect(survivor.executor.started.map(\.scheduledAt)
                     == [instant("2026-11-22T10:01:00Z"), abandoned.scheduledAt])
            #expect(try await fixture.replicas[1].claimAbandonedFire(ofJobs: ["minutely"]) == nil, "finished once")
        }
    }
}
