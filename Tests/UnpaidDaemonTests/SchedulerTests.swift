import Foundation
import Logging
import ServiceLifecycle
import Testing
import UnpaidCore
import UnpaidDaemon
import SeededRandomness

@Suite(.timeLimit(.minutes(10))) struct SchedulerTests {
    let utc = TimeZone(identifier: "UTC")!
    let log = LogRecorder()
    let quiet = Logger(label: "group") { _ in SwiftLogNoOpLogHandler() }

    func job(_ name: String, _ expression: String, catchUp: CatchUpPolicy = .latest,
             randomDelayMax: TimeInterval = 0) throws -> ScheduledJob {
        ScheduledJob(name: name, schedule: try Schedule(parsing: expression), timeZone: utc,
                     catchUp: catchUp, randomDelayMax: randomDelayMax)
    }

    /// Runs the scheduler in a service group around `body`, then shuts it down gracefully.
    func running(_ scheduler: Scheduler, _ body: () async throws -> Void) async throws {
        let group = ServiceGroup(configuration: .init(services: [scheduler], logger: quiet))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await body()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    func idle(_ scheduler: Scheduler) async {
        while !scheduler.runningJobs.isEmpty { await Task.yield() }
    }

    @Test func firesWhenDueAndRecordsTheFireTime() async throws {
        let clock = ManualWallClock(now: instant("2026-11-22T10:00:30Z"))
        let executor = ScriptedExecutor()
        let store = MemoryFireTimeStore()
        let scheduler = Scheduler(jobs: [try job("daily-report", "* * * * *")], executor: executor,
                                  store: store, clock: clock, logger: log.logger)
        try await running(scheduler) {
            await clock.waitForSleeper(until: instant("2026-11-22T10:01:00Z"))
            #expect(executor.started.isEmpty)
            clock.advance(to: instant("2026-11-22T10:01:00Z"))
            await executor.waitForStarts(1)
            await clock.waitForSleeper(until: instant("2026-11-22T10:02:00Z"))
        }
        #expect(executor.finished == [.init(job: "daily-report", scheduledAt: instant("2026-11-22T10:01:00Z"))])
        #expect(store.recorded("daily-report") == [instant("2026-11-22T10:01:00Z")])
        let started = try #require(log.entries("run started").first)
        #expect(started.metadata["job"] == "daily-report")
        #expect(started.metadata["scheduled"] == "2026-11-22T10:01:00Z")
    }

    static let catchUpCases: [(CatchUpPolicy, [String])] = [
        (.latest, ["2026-11-22T12:00:00Z"]),
        (.all, ["2026-11-21T18:00:00Z", "2026-11-22T00:00:00Z", "2026-11-22T06:00:00Z", "2026-11-22T12:00:00Z"]),
        (.none, []),
    ]

    @Test(arguments: catchUpCases) func catchesUpMissedFiresWithinTheWindow(policy: CatchUpPolicy, expected: [String]) async throws {
        // Last ran two and a half days ago; only fires in the last 24 h count.
        let clock = ManualWallClock(now: instant("2026-11-22T13:00:00Z"))
        let executor = ScriptedExecutor()
        let store = MemoryFireTimeStore(["sync": instant("2026-11-20T00:00:00Z")])
        let scheduler = Scheduler(jobs: [try job("sync", "0 */6 * * *", catchUp: policy), try job("new", "0 */6 * * *")],
                                  executor: executor, store: store, clock: clock, logger: log.logger)
        try await running(scheduler) {
            await executor.waitForStarts(expected.count)
            await clock.waitForSleeper(until: instant("2026-11-22T18:00:00Z"))
            await idle(scheduler)
        }
        #expect(executor.started.map(\.scheduledAt) == expected.map(instant))
        #expect(executor.started.allSatisfy { $0.job == "sync" }, "a job with no recorded fire has nothing to catch up")
        let dropped = log.entries("missed fires not caught up").first?.metadata["count"]
        #expect(dropped == (policy == .latest ? "3" : policy == .none ? "4" : nil))
    }

    @Test func aFireDuringTheJobsOwnRunIsSkippedAndLogged() async throws {
        let clock = ManualWallClock(now: instant("2026-11-22T10:00:30Z"))
        let executor = ScriptedExecutor(holding: ["slow"])
        let scheduler = Scheduler(jobs: [try job("slow", "* * * * *")], executor: executor,
                                  store: MemoryFireTimeStore(), clock: clock, logger: log.logger)
        try await running(scheduler) {
            await clock.waitForSleeper(until: instant("2026-11-22T10:01:00Z"))
            clock.advance(to: instant("2026-11-22T10:01:00Z"))
            await executor.waitForStarts(1)
            await clock.waitForSleeper(until: instant("2026-11-22T10:02:00Z"))
            clock.advance(to: instant("2026-11-22T10:02:00Z"))
            await clock.waitForSleeper(until: instant("2026-11-22T10:03:00Z"))
            #expect(executor.started.count == 1)
            executor.release()
            await idle(scheduler)
            clock.advance(to: instant("2026-11-22T10:03:00Z"))
            await executor.waitForStarts(2)
        }
        #expect(executor.started.map(\.scheduledAt) == [instant("2026-11-22T10:01:00Z"), instant("2026-11-22T10:03:00Z")])
        let skipped = log.entries("fire skipped: previous run still going")
        #expect(skipped.map { $0.metadata["scheduled"] } == ["2026-11-22T10:02:00Z"])
        #expect(skipped.first?.level == .warning)
    }

    @Test func oneJobsFailureDoesNotStopOthers() async throws {
        let clock = ManualWallClock(now: instant("2026-11-22T10:00:30Z"))
        let executor = ScriptedExecutor(failing: ["broken"])
        let store = MemoryFireTimeStore()
        let scheduler = Scheduler(jobs: [try job("broken", "* * * * *"), try job("healthy", "* * * * *")],
                                  executor: executor, store: store, clock: clock, logger: log.logger)
        try await running(scheduler) {
            for (minute, runs) in [("01", 2), ("02", 4)] {
                await clock.waitForSleeper(until: instant("2026-11-22T10:\(minute):00Z"))
                clock.advance(to: instant("2026-11-22T10:\(minute):00Z"))
                await executor.waitForStarts(runs)
                await idle(scheduler)
            }
        }
        #expect(store.recorded("healthy") == [instant("2026-11-22T10:01:00Z"), instant("2026-11-22T10:02:00Z")])
        #expect(store.recorded("broken").isEmpty, "a failed fire stays unrecorded so a restart retries it")
        let failures = log.entries("run failed")
        #expect(failures.count == 2)
        #expect(failures.allSatisfy { $0.metadata["job"] == "broken" && $0.metadata["error"] == "the organization list could not be fetched" })
    }

    @Test func randomDelayPostponesTheStartButNotTheScheduledTime() async throws {
        let clock = ManualWallClock(now: instant("2026-11-22T10:00:30Z"))
        let executor = ScriptedExecutor()
        let scheduler = Scheduler(jobs: [try job("spread", "* * * * *", randomDelayMax: 600)], executor: executor,
                                  store: MemoryFireTimeStore(), clock: clock, random: SplitMix64(seed: 42),
                                  logger: log.logger)
        var reference = SplitMix64(seed: 42)
        let fire = instant("2026-11-22T10:01:00Z")
        let start = fire.addingTimeInterval(Double.random(in: 0...600, using: &reference))
        try await running(scheduler) {
            await clock.waitForSleeper(until: fire)
            clock.advance(to: fire)
            await clock.waitForSleeper(until: start)
            #expect(executor.started.isEmpty)
            clock.advance(to: start)
            await executor.waitForStarts(1)
        }
        #expect(start > fire && start <= fire.addingTimeInterval(600))
        #expect(executor.started.map(\.scheduledAt) == [fire])
    }

    @Test func replacedJobsTakeEffectWithoutRestart() async throws {
        let clock = ManualWallClock(now: instant("2026-11-22T10:00:30Z"))
        let executor = ScriptedExecutor()
        let scheduler = Scheduler(jobs: [try job("hourly", "0 * * * *")], executor: executor,
                                  store: MemoryFireTimeStore(), clock: clock, logger: log.logger)
        try await running(scheduler) {
            await clock.waitForSleeper(until: instant("2026-11-22T11:00:00Z"))
            scheduler.replaceJobs([try job("half-past", "30 * * * *")])
            await clock.waitForSleeper(until: instant("2026-11-22T10:30:00Z"))
            clock.advance(to: instant("2026-11-22T11:00:00Z"))
            await executor.waitForStarts(1)
        }
        #expect(executor.started == [.init(job: "half-past", scheduledAt: instant("2026-11-22T10:30:00Z"))])
        #expect(log.entries("jobs replaced").first?.metadata["removed"] == "[\"hourly\"]")
    }

    @Test func gracefulShutdownLetsTheRunInFlightFinishAndStartsNoMore() async throws {
        let clock = ManualWallClock(now: instant("2026-11-22T10:00:30Z"))
        let executor = ScriptedExecutor(holding: ["slow"])
        let scheduler = Scheduler(jobs: [try job("slow", "* * * * *"), try job("other", "@every 30s")],
                                  executor: executor, store: MemoryFireTimeStore(), clock: clock, logger: log.logger)
        let group = ServiceGroup(configuration: .init(services: [scheduler], logger: quiet))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            await clock.waitForSleeper(until: instant("2026-11-22T10:01:00Z"))
            clock.advance(to: instant("2026-11-22T10:01:00Z"))
            await executor.waitForStarts(2)
            await group.triggerGracefulShutdown()
            while log.entries("scheduler stopping: no new runs; waiting for runs in flight").isEmpty { await Task.yield() }
            clock.advance(to: instant("2026-11-22T10:05:00Z"))
            executor.release()
            try await tasks.waitForAll()
        }
        #expect(executor.started.count == 2)
        #expect(Set(executor.finished.map(\.job)) == ["slow", "other"])
        #expect(log.entries("scheduler stopped").count == 1)
    }

    @Test(arguments: [(CatchUpPolicy.latest, ["10:03"]), (.all, ["10:01", "10:02", "10:03"])])
    func aLateWakeRunsTheCurrentFireAndOnlyCatchesUpUnderAll(policy: CatchUpPolicy, expected: [String]) async throws {
        let clock = ManualWallClock(now: instant("2026-11-22T10:00:30Z"))
        let executor = ScriptedExecutor()
        let scheduler = Scheduler(jobs: [try job("minutely", "* * * * *", catchUp: policy)], executor: executor,
                                  store: MemoryFireTimeStore(), clock: clock, logger: log.logger)
        try await running(scheduler) {
            await clock.waitForSleeper(until: instant("2026-11-22T10:01:00Z"))
            clock.advance(to: instant("2026-11-22T10:03:10Z")) // e.g. the machine was suspended
            await executor.waitForStarts(expected.count)
            await clock.waitForSleeper(until: instant("2026-11-22T10:04:00Z"))
            await idle(scheduler)
        }
        #expect(executor.started.map(\.scheduledAt) == expected.map { instant("2026-11-22T\($0):00Z") })
        #expect(log.entries("woke late; earlier fires dropped").first?.metadata["count"] == (policy == .all ? nil : "2"))
    }

    @Test func shutdownDuringARandomDelayStartsNothing() async throws {
        let clock = ManualWallClock(now: instant("2026-11-22T10:00:30Z"))
        let executor = ScriptedExecutor()
        let scheduler = Scheduler(jobs: [try job("spread", "* * * * *", randomDelayMax: 600)], executor: executor,
                                  store: MemoryFireTimeStore(), clock: clock, random: SplitMix64(seed: 7),
                                  logger: log.logger)
        try await running(scheduler) {
            await clock.waitForSleeper(until: instant("2026-11-22T10:01:00Z"))
            clock.advance(to: instant("2026-11-22T10:01:00Z"))
            await clock.waitForSleepers(2) // the delayed run and the loop
        }
        #expect(executor.started.isEmpty)
        #expect(log.entries("fire not started: shutting down").map { $0.metadata["scheduled"] } == ["2026-11-22T10:01:00Z"])
    }

    @Test func anUnreadableStoreSkipsCatchUpButKeepsScheduling() async throws {
        let clock = ManualWallClock(now: instant("2026-11-22T10:00:30Z"))
        let executor = ScriptedExecutor()
        let scheduler = Scheduler(jobs: [try job("sync", "* * * * *")], executor: executor,
                                  store: MemoryFireTimeStore(unreadable: true), clock: clock, logger: log.logger)
        try await running(scheduler) {
            await clock.waitForSleeper(until: instant("2026-11-22T10:01:00Z"))
            clock.advance(to: instant("2026-11-22T10:01:00Z"))
            await executor.waitForStarts(1)
        }
        let complaint = try #require(log.entries("cannot read last fire time; not catching up").first)
        #expect(complaint.metadata["error"] == "database is locked" && complaint.level == .error)
        #expect(executor.started.map(\.scheduledAt) == [instant("2026-11-22T10:01:00Z")])
    }
}
