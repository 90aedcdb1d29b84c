import Foundation
import Ledger
import Synchronization

/// The ledger remembers each job's last fire, so a restart knows what it missed.
public struct LedgerFireTimes: FireTimeStore {
    let ledger: any Ledger

    public init(ledger: any Ledger) {
        self.ledger = ledger
    }

    public func lastFire(job: String) async throws -> Date? {
        try await ledger.lastFire(job: job)
    }

    public func recordFire(job: String, scheduledAt: Date) async throws {
        try await ledger.recordFire(job: job, scheduledAt: scheduledAt)
    }
}

/// Runs a scheduled fire through the export pipeline, with the job as the current
/// configuration describes it (a SIGHUP reload swaps both at once).
public final class PipelineJobExecutor: JobExecutor {
    private struct Current {
        var configuration: Configuration
        var runner: JobRunner
    }

    private let current: Mutex<Current>
    private let onRunFinished: @Sendable (RunSummary) -> Void

    /// `onRunFinished` sees every run that reached the ledger, whatever its status.
    public init(configuration: Configuration, runner: JobRunner,
                onRunFinished: @escaping @Sendable (RunSummary) -> Void = { _ in }) {
        current = Mutex(Current(configuration: configuration, runner: runner))
        self.onRunFinished = onRunFinished
    }

    public func replace(configuration: Configuration, runner: JobRunner) {
        current.withLock { $0 = Current(configuration: configuration, runner: runner) }
    }

    public var configuration: Configuration { current.withLock { $0.configuration } }

    /// Throws unless every organization succeeded, so the fire stays unrecorded and a
    /// restart within the catch-up window fetches it again.
    public func execute(job name: String, scheduledAt: Date) async throws {
        try await execute(name) { try await $0.run($1, scheduledAt: scheduledAt) }
    }

    /// The same for a claimed fire, whose organizations come from the claims.
    public func execute(_ fire: ClaimedFire) async throws {
        try await execute(fire.job) { try await $0.run($1, claimed: fire) }
    }

    private func execute(_ name: String, _ run: (JobRunner, JobSettings) async throws -> RunSummary) async throws {
        let (job, runner) = current.withLock { ($0.configuration.job(named: name), $0.runner) }
        guard let job else { throw JobExecutionError.unknownJob(name) }
        let summary = try await run(runner, job)
        onRunFinished(summary)
        guard summary.status == .succeeded else {
            throw JobExecutionError.notSucceeded(job: name, run: summary.runID, status: summary.status,
                                                 failures: summary.failures.count,
                                                 organizations: job.organizations.count)
        }
    }
}

public enum JobExecutionError: Error, Sendable, CustomStringConvertible {
    case unknownJob(String)
    case notSucceeded(job: String, run: RunID, status: RunStatus, failures: Int, organizations: Int)

    public var description: String {
        switch self {
        case .unknownJob(let name):
            "job \"\(name)\" is no longer in the configuration"
        case .notSucceeded(let job, let run, let status, let failures, let organizations):
            "job \(job) \(run) \(status.rawValue): \(failures) of \(organizations) organization(s) failed (see `unpaidd history` and the log lines above); the fire will be retried on restart within the catch-up window"
        }
    }
}
