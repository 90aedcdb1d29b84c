import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import UnpaidCore

/// Fires jobs when due: one long-lived `Service`. A job never overlaps itself, one job's
/// failure never touches another, and on graceful shutdown no new run starts while runs
/// in flight finish, for at most `gracePeriod` (then they are cancelled).
public final class Scheduler: Service {
    private struct Shared {
        var replacement: [ScheduledJob]?
        var shuttingDown = false
        var running: Set<String> = []
        /// Read when shutdown starts, so a reload changes it until then.
        var gracePeriod: TimeInterval?
    }

    private let initialJobs: [ScheduledJob]
    private let executor: any JobExecutor
    private let store: any FireTimeStore
    private let clock: any WallClock
    private let random: Mutex<any RandomNumberGenerator & Sendable>
    private let logger: Logger
    private let shared = Mutex(Shared())
    private let wake = WakeSignal()

    /// - Parameter gracePeriod: how long runs in flight may go on after shutdown starts
    ///   before they are cancelled; nil waits for them (the service group may still bound it).
    public init(jobs: [ScheduledJob], executor: any JobExecutor, store: any FireTimeStore,
                clock: any WallClock = SystemWallClock(),
                random: any RandomNumberGenerator & Sendable = SystemRandomNumberGenerator(),
                gracePeriod: TimeInterval? = nil, logger: Logger) {
        initialJobs = jobs
        self.executor = executor
        self.store = store
        self.clock = clock
        self.random = Mutex(random)
        self.logger = logger
        shared.withLock { $0.gracePeriod = gracePeriod }
    }

    /// Swaps the job list (SIGHUP reload). Jobs whose schedule and zone are unchanged keep
    /// their next fire; new or changed ones start from now without catch-up; removed
    /// ones fire no more (a run in flight still finishes).
    public func replaceJobs(_ jobs: [ScheduledJob]) {
        shared.withLock { $0.replacement = jobs }
        wake.signal()
    }

    /// The shutdown grace period from now on (SIGHUP reload of `[daemon] shutdown_grace_seconds`).
    public func setGracePeriod(_ seconds: TimeInterval) {
        shared.withLock { $0.gracePeriod = seconds }
    }

    /// Names of jobs with a run in flight (for status lines and tests).
    public var runningJobs: Set<String> { shared.withLock { $0.running } }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                await loop(group: &group)
            }
        } onGracefulShutdown: { [self] in
            shared.withLock { $0.shuttingDown = true }
            wake.signal()
        }
        logger.info("scheduler stopped")
    }

    private struct Plan {
        var job: ScheduledJob
        var next: Date?
    }

    private func loop(group: inout DiscardingTaskGroup) async {
        var plans: [String: Plan] = [:]
        let start = clock.now()
        for job in initialJobs {
            plans[job.name] = Plan(job: job, next: job.schedule.nextFire(after: start, in: job.timeZone))
            let lastFire: Date?
            do { lastFire = try store.lastFire(job: job.name) } catch {
                logger.error("cannot read last fire time; not catching up", metadata: meta(job.name, error: error))
                lastFire = nil
            }
            let (runs, dropped) = FirePlanner.catchUp(for: job, lastFire: lastFire, now: start)
            if dropped > 0 {
                logger.notice("missed fires not caught up", metadata: meta(job.name, [
                    "count": "\(dropped)", "policy": "\(job.catchUp.rawValue)"]))
            }
            if !runs.isEmpty { launch(job, fires: runs, reason: "catch-up", group: &group) }
        }
        logger.info("scheduler started", metadata: ["jobs": "\(plans.count)"])

        while !Task.isCancelled {
            let (replacement, shuttingDown) = shared.withLock { state in
                defer { state.replacement = nil }
                return (state.replacement, state.shuttingDown)
            }
            if shuttingDown { break }
            if let replacement { plans = replan(plans, with: replacement) }

            let now = clock.now()
            for name in plans.keys.sorted() {
                guard var plan = plans[name], let next = plan.next, next <= now else { continue }
                let (runs, dropped) = FirePlanner.due(for: plan.job, next: next, now: now)
                if dropped > 0 {
                    logger.notice("woke late; earlier fires dropped", metadata: meta(name, scheduled: runs.last, [
                        "count": "\(dropped)"]))
                }
                launch(plan.job, fires: runs, reason: "schedule", group: &group)
                plan.next = plan.job.schedule.nextFire(after: now, in: plan.job.timeZone)
                plans[name] = plan
            }
            await waitForWake(until: plans.values.compactMap(\.next).min())
        }
        logger.info("scheduler stopping: no new runs; waiting for runs in flight",
                    metadata: ["running": "\(shared.withLock { $0.running.sorted() })"])
        await boundRunsInFlight(group: &group)
    }

    /// Waits for runs in flight until the grace period is over, then cancels the rest: a
    /// cancelled run is recorded failed and its fire left unrecorded, so it is caught up.
    private func boundRunsInFlight(group: inout DiscardingTaskGroup) async {
        guard let grace = shared.withLock({ $0.gracePeriod }) else { return }
        let deadline = clock.now().addingTimeInterval(grace)
        while !shared.withLock({ $0.running.isEmpty }), clock.now() < deadline, !Task.isCancelled {
            await waitForWake(until: deadline)
        }
        let cut = shared.withLock { $0.running.sorted() }
        guard !cut.isEmpty else { return }
        logger.warning("shutdown grace period over: cancelling runs in flight",
                       metadata: ["running": "\(cut)", "grace_seconds": "\(grace)"])
        group.cancelAll()
    }

    private func replan(_ plans: [String: Plan], with jobs: [ScheduledJob]) -> [String: Plan] {
        let now = clock.now()
        var result: [String: Plan] = [:]
        for job in jobs {
            if let old = plans[job.name], old.job.schedule == job.schedule, old.job.timeZone == job.timeZone {
                result[job.name] = Plan(job: job, next: old.next)
            } else {
                result[job.name] = Plan(job: job, next: job.schedule.nextFire(after: now, in: job.timeZone))
            }
        }
        logger.info("jobs replaced", metadata: [
            "jobs": "\(result.count)",
            "added": "\(Set(result.keys).subtracting(plans.keys).sorted())",
            "removed": "\(Set(plans.keys).subtracting(result.keys).sorted())",
        ])
        return result
    }

    /// Starts the fires of one job in its own child task, unless its previous run is still going.
    private func launch(_ job: ScheduledJob, fires: [Date], reason: String, group: inout DiscardingTaskGroup) {
        let started = shared.withLock { $0.running.insert(job.name).inserted }
        guard started else {
            for fire in fires {
                logger.warning("fire skipped: previous run still going", metadata: meta(job.name, scheduled: fire))
            }
            return
        }
        group.addTask { [self] in
            defer {
                _ = shared.withLock { $0.running.remove(job.name) }
                wake.signal()  // a shutdown may be waiting for the last run
            }
            for fire in fires {
                if Task.isShuttingDownGracefully || Task.isCancelled {
                    logger.notice("fire not started: shutting down", metadata: meta(job.name, scheduled: fire))
                    continue
                }
                await runOnce(job, scheduledAt: fire, reason: reason)
            }
        }
    }

    private func runOnce(_ job: ScheduledJob, scheduledAt: Date, reason: String) async {
        let delay = job.randomDelayMax > 0
            ? random.withLock { Double.random(in: 0...job.randomDelayMax, using: &$0) } : 0
        if delay > 0 {
            let startAt = max(clock.now(), scheduledAt).addingTimeInterval(delay)
            logger.debug("random delay", metadata: meta(job.name, scheduled: scheduledAt, ["delay": "\(delay)"]))
            do {
                try await cancelWhenGracefulShutdown { try await self.clock.sleep(until: startAt) }
            } catch {
                logger.notice("fire not started: shutting down", metadata: meta(job.name, scheduled: scheduledAt))
                return
            }
        }
        logger.info("run started", metadata: meta(job.name, scheduled: scheduledAt, ["reason": "\(reason)"]))
        do {
            try await executor.execute(job: job.name, scheduledAt: scheduledAt)
        } catch {
            logger.error("run failed", metadata: meta(job.name, scheduled: scheduledAt, error: error))
            return
        }
        do {
            try store.recordFire(job: job.name, scheduledAt: scheduledAt)
            logger.info("run finished", metadata: meta(job.name, scheduled: scheduledAt))
        } catch {
            logger.error("run finished but its fire time could not be recorded",
                         metadata: meta(job.name, scheduled: scheduledAt, error: error))
        }
    }

    /// Sleeps until `deadline` or a wake signal, whichever comes first.
    private func waitForWake(until deadline: Date?) async {
        await withTaskGroup(of: Void.self) { group in
            if let deadline {
                group.addTask { [clock] in try? await clock.sleep(until: deadline) }
            }
            group.addTask { [wake] in await wake.wait() }
            await group.next()
            group.cancelAll()
        }
    }

    private func meta(_ job: String, scheduled: Date? = nil, error: (any Error)? = nil,
                      _ extra: Logger.Metadata = [:]) -> Logger.Metadata {
        var metadata = extra
        metadata["job"] = "\(job)"
        if let scheduled { metadata["scheduled"] = "\(scheduled.formatted(.iso8601))" }
        if let error { metadata["error"] = "\(error)" }
        return metadata
    }
}
