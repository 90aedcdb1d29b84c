import Foundation
import Ledger
import Logging
import ServiceLifecycle

/// Finishes the work of replicas that stopped: every `interval` it takes over the fires
/// whose lease expired with organizations left (a replica killed mid-run, or one that
/// died between claiming a fire and opening it) and hands them to the scheduler, which
/// runs them like its own. With one process on SQLite it finds nothing: the process that
/// would have left work is this one.
public struct OrphanSweep: Service {
    let claims: any WorkClaims
    let scheduler: Scheduler
    /// On a ledger replicas share: each pass also finishes, as interrupted, the runs of
    /// replicas that died (the ledger knows them by their owner's lost session). Nil for one
    /// process, which did that at its start.
    let runs: (any RunRecorder)?
    let interval: TimeInterval
    let clock: any WallClock
    let logger: Logger

    public init(claims: any WorkClaims, scheduler: Scheduler, runs: (any RunRecorder)? = nil, interval: TimeInterval? = nil,
                clock: any WallClock = SystemWallClock(), logger: Logger) {
        self.claims = claims
        self.scheduler = scheduler
        self.runs = runs
        self.interval = interval ?? claims.leaseDuration / 2
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            await sweep()
            let next = clock.now().addingTimeInterval(interval)
            do { try await cancelWhenGracefulShutdown { try await clock.sleep(until: next) } } catch { break }
        }
    }

    /// One pass: each abandoned fire is taken at most once, so a fire the scheduler gives
    /// straight back (its job is running here) waits for the next pass.
    public func sweep() async {
        if let runs {
            do {
                try await StartupRecovery.finishInterruptedRuns(ledger: runs, logger: logger, now: clock.now(),
                                                                foundWhen: "sweeping for dead replicas")
            } catch {
                logger.error("cannot finish the runs of dead replicas; trying again later", metadata: ["error": "\(error)"])
            }
        }
        var seen: Set<FireKey> = []
        do {
            while let lease = try await claims.claimAbandonedFire(ofJobs: scheduler.jobNames) {
                guard seen.insert(lease.fire).inserted else {
                    try await claims.release(lease)
                    break
                }
                logger.notice("taking over a fire another replica left unfinished", metadata: [
                    "job": "\(lease.fire.job)", "scheduled": "\(lease.fire.scheduledAt.formatted(.iso8601))",
                    "replica": "\(claims.replica)"])
                scheduler.adopt(lease)
            }
        } catch {
            logger.error("cannot look for abandoned fires; trying again later", metadata: ["error": "\(error)"])
        }
    }
}
