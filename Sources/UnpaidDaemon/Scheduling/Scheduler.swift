import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import UnpaidCore

/// Fires jobs when due: one long-lived `Service`. A job never overlaps itself, one job's
/// failure never touches another, and on graceful shutdown no new run starts while runs
/// in flight finish, for at most `gracePeriod` (then they are cancelled). Each fire is
/// claimed before it runs, so replicas sharing the claims run it once between them.
public final class Scheduler: Service {
    private struct Shared {
        var replacement: [ScheduledJob]?
        var jobNames: Set<String>
        /// Fires taken over from a replica that stopped renewing them, waiting for the loop.
        var adopted: [FireLease] = []
        /// Fires taken over while their job was running here, by job: that run's task runs
        /// them when it ends, so a replica that is always busy still finishes a dead one's work.
        var queuedTakeovers: [String: [FireLease]] = [:]
        var shuttingDown = false
        var running: Set<String> = []
        /// Read when shutdown starts, so a reload changes it until then.
        var gracePeriod: TimeInterval?
    }

    private let initialJobs: [ScheduledJob]
    private let executor: any JobExecutor
    private let store: any FireTimeStore
    private let claims: any WorkClaims
    private let clock: any WallClock
    private let random: Mutex<any RandomNumberGenerator & Sendable>
    private let logger: Logger
    private let shared: Mutex<Shared>
    private let wake = WakeSignal()

    /// - Parameters:
    ///   - claims: shared with other replicas; by default this process's own, in memory.
    ///   - gracePeriod: how long runs in flight may go on after shutdown starts before
    ///     they are cancelled; nil waits for them (the service group may still bound it).
    public init(jobs: [ScheduledJob], executor: any JobExecutor, store: any FireTimeStore,
                claims: (any WorkClaims)? = nil, clock: any WallClock = SystemWallClock(),
                random: any RandomNumberGenerator & Sendable = SystemRandomNumberGenerator(),
                gracePeriod: TimeInterval? = nil, logger: Logger) {
        initialJobs = jobs
        self.executor = executor
        self.store = store
        self.claims = claims ?? InProcessWorkClaims(clock: clock)
        self.clock = clock
        self.random = Mutex(random)
        self.logger = logger
        shared = Mutex(Shared(jobNames: Set(jobs.map(\.name)), gracePeriod: gracePeriod))
    }

    /// Swaps the job list (SIGHUP reload). Jobs whose schedule and zone are unchanged keep
    /// their next fire; new or changed ones start from now without catch-up; removed
    /// ones fire no more (a run in flight still finishes).
    public func replaceJobs(_ jobs: [ScheduledJob]) {
        shared.withLock {
            $0.replacement = jobs
            $0.jobNames = Set(jobs.map(\.name))
        }
        wake.signal()
    }

    /// Names of the jobs this scheduler runs (a fire of another job is not its to take over).
    public var jobNames: Set<String> { shared.withLock { $0.jobNames } }

    /// Runs a fire another replica abandoned, now leased to this one, like a due fire (after
    /// the job's run in flight, if any); it is released again if its job is not scheduled
    /// here or shutdown began.
    public func adopt(_ lease: FireLease) {
        shared.withLock { $0.adopted.append(lease) }
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
            do { lastFire = try await store.lastFire(job: job.name) } catch {
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
            let (replacement, adopted, shuttingDown) = shared.withLock { state in
                defer {
                    state.replacement = nil
                    state.adopted = []
                }
                return (state.replacement, state.adopted, state.shuttingDown)
            }
            if shuttingDown {
                for lease in adopted { await release(lease, because: "shutting down") }
                break
            }
            if let replacement { plans = replan(plans, with: replacement) }
            for lease in adopted {
                guard let job = plans[lease.fire.job]?.job else {
                    await release(lease, because: "job not scheduled by this replica")
                    continue
                }
                if !launch(job, fires: [lease.fire.scheduledAt], reason: "takeover", adopted: lease, group: &group) {
                    logger.notice("fire taken over; it runs when the job's run in flight here ends",
                                  metadata: meta(job.name, scheduled: lease.fire.scheduledAt))
                }
            }

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

    /// Starts the fires of one job in its own child task, unless its previous run is still
    /// going; says whether it started them. A fire taken over (`adopted`) is then queued
    /// behind that run instead, in the same step, so the run cannot end in between unseen.
    @discardableResult
    private func launch(_ job: ScheduledJob, fires: [Date], reason: String, adopted: FireLease? = nil,
                        group: inout DiscardingTaskGroup) -> Bool {
        let started = shared.withLock { state in
            if state.running.insert(job.name).inserted { return true }
            if let adopted { state.queuedTakeovers[job.name, default: []].append(adopted) }
            return false
        }
        guard started else {
            for fire in fires where adopted == nil {
                logger.warning("fire skipped: previous run still going", metadata: meta(job.name, scheduled: fire))
            }
            return false
        }
        group.addTask { [self] in
            defer { wake.signal() }  // a shutdown may be waiting for the last run
            for fire in fires {
                if Task.isShuttingDownGracefully || Task.isCancelled {
                    logger.notice("fire not started: shutting down", metadata: meta(job.name, scheduled: fire))
                    continue
                }
                if let adopted {
                    await run(job, ClaimedFire(lease: adopted, claims: claims), reason: reason)
                } else {
                    await runOnce(job, scheduledAt: fire, reason: reason)
                }
            }
            while let takeover = nextQueuedTakeover(of: job.name) {
                await runQueuedTakeover(job, takeover)
            }
        }
        return true
    }

    /// The next fire taken over while `job` ran here; when none is left the job stops
    /// running, in the same step, so a takeover queued meanwhile is never stranded.
    private func nextQueuedTakeover(of job: String) -> FireLease? {
        shared.withLock { state in
            if let next = state.queuedTakeovers[job]?.first {
                state.queuedTakeovers[job]?.removeFirst()
                return next
            }
            state.queuedTakeovers[job] = nil
            state.running.remove(job)
            return nil
        }
    }

    /// A queued takeover's lease was not renewed while it waited: it runs only if no other
    /// replica took the fire over meanwhile.
    private func runQueuedTakeover(_ job: ScheduledJob, _ queued: FireLease) async {
        if Task.isShuttingDownGracefully || Task.isCancelled || shared.withLock({ $0.shuttingDown }) {
            await release(queued, because: "shutting down")
            return
        }
        let lease: FireLease
        do {
            guard let renewed = try await claims.renew(queued) else {
                logger.notice("fire not run: another replica took it over while it waited here",
                              metadata: meta(job.name, scheduled: queued.fire.scheduledAt))
                return
            }
            lease = renewed
        } catch {
            logger.error("cannot renew the lease on a fire taken over; another replica takes it once the lease expires",
                         metadata: meta(job.name, scheduled: queued.fire.scheduledAt, error: error))
            return
        }
        await run(job, ClaimedFire(lease: lease, claims: claims), reason: "takeover")
    }

    /// Claims the fire for this replica, then runs it; a fire another replica claimed, or
    /// older than one already claimed, is not run here.
    private func runOnce(_ job: ScheduledJob, scheduledAt: Date, reason: String) async {
        let lease: FireLease
        do {
            switch try await claims.claimFire(FireKey(job: job.name, scheduledAt: scheduledAt)) {
            case .won(let won):
                lease = won
            case .taken(let owner):
                logger.info("fire run by another replica", metadata: meta(job.name, scheduled: scheduledAt, [
                    "replica": "\(owner)"]))
                return
            case .superseded(let newest):
                logger.notice("fire not run: a newer fire of the job was already claimed (is this replica's clock behind?)",
                              metadata: meta(job.name, scheduled: scheduledAt, [
                                  "newest": "\(newest.formatted(.iso8601))"]))
                return
            }
        } catch {
            logger.error("cannot claim the fire; not run (a restart catches it up)",
                         metadata: meta(job.name, scheduled: scheduledAt, error: error))
            return
        }
        let delay = job.randomDelayMax > 0
            ? random.withLock { Double.random(in: 0...job.randomDelayMax, using: &$0) } : 0
        if delay > 0 {
            let startAt = max(clock.now(), scheduledAt).addingTimeInterval(delay)
            logger.debug("random delay", metadata: meta(job.name, scheduled: scheduledAt, ["delay": "\(delay)"]))
            do {
                try await cancelWhenGracefulShutdown { try await self.clock.sleep(until: startAt) }
            } catch {
                logger.notice("fire not started: shutting down", metadata: meta(job.name, scheduled: scheduledAt))
                await release(lease, because: "shutting down")
                return
            }
        }
        await run(job, ClaimedFire(lease: lease, claims: claims), reason: reason)
    }

    /// Runs a fire this replica holds, renewing its lease meanwhile and giving it back
    /// after; records the fire time only when the run succeeded.
    private func run(_ job: ScheduledJob, _ fire: ClaimedFire, reason: String) async {
        let scheduledAt = fire.scheduledAt
        logger.info("run started", metadata: meta(job.name, scheduled: scheduledAt, ["reason": "\(reason)"]))
        let current = Mutex(fire.lease)
        let outcome: Result<Void, any Error>
        do {
            try await withLeaseRenewed(waitingWith: { [claims] in try await claims.waitForRenewal() }, renew: { [claims] in
                guard let renewed = try await claims.renew(current.withLock { $0 }) else { return false }
                current.withLock { $0 = renewed }
                return true
            }, report: { [self] problem in
                switch problem {
                case .lost:
                    logger.warning("fire taken over by another replica (its lease had expired)",
                                   metadata: meta(job.name, scheduled: scheduledAt))
                case .unreachable(let error):
                    logger.error("cannot renew the lease on the fire; retrying",
                                 metadata: meta(job.name, scheduled: scheduledAt, error: error))
                }
            }) {
                try await executor.execute(fire)
            }
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        let held = current.withLock { $0 }
        // An executor that never opened the fire's organizations (it does not share work,
        // or it failed first) has run all of it: nothing is left for another replica.
        do { try await claims.openItems(of: held, organizations: []) } catch {
            logger.error("cannot close the fire in the work claims", metadata: meta(job.name, scheduled: scheduledAt, error: error))
        }
        await release(held, because: nil)
        if case .failure(let error) = outcome {
            logger.error("run failed", metadata: meta(job.name, scheduled: scheduledAt, error: error))
            return
        }
        do {
            try await store.recordFire(job: job.name, scheduledAt: scheduledAt)
            logger.info("run finished", metadata: meta(job.name, scheduled: scheduledAt))
        } catch {
            logger.error("run finished but its fire time could not be recorded",
                         metadata: meta(job.name, scheduled: scheduledAt, error: error))
        }
    }

    /// Gives a fire back to the claims; `reason` says why it was not run, when it was not.
    private func release(_ lease: FireLease, because reason: String?) async {
        if let reason {
            logger.notice("fire given back to the other replicas", metadata: meta(lease.fire.job,
                          scheduled: lease.fire.scheduledAt, ["reason": "\(reason)"]))
        }
        do { try await claims.release(lease) } catch {
            logger.error("cannot give the fire back; another replica takes it once its lease expires",
                         metadata: meta(lease.fire.job, scheduled: lease.fire.scheduledAt, error: error))
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
