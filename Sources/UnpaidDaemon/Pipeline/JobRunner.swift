import CoreMetrics
import Foundation
import Ledger
import Logging
import UnpaidCore
import UnpaidMetrics

/// What one run of a job did, per organization.
public struct RunSummary: Sendable {
    public let runID: RunID
    public let job: String
    public let window: BillingWindow
    public let snapshots: [SnapshotRecord]
    public let failures: [PipelineError]

    public var status: RunStatus {
        if failures.isEmpty { return .succeeded }
        return snapshots.isEmpty ? .failed : .partial
    }
}

/// Runs a job: every organization's snapshot for the window of the scheduled time,
/// a few organizations at a time, one organization's failure never stopping the others.
public struct JobRunner: Sendable {
    public let pipeline: ExportPipeline
    public let maxConcurrentOrganizations: Int
    /// Shared by every job of the daemon: bounds organizations in flight across jobs.
    public let organizationLimiter: (any OrganizationLimit)?
    let logger: Logger

    public init(pipeline: ExportPipeline, maxConcurrentOrganizations: Int = 4,
                organizationLimiter: (any OrganizationLimit)? = nil, logger: Logger) {
        self.pipeline = pipeline
        self.maxConcurrentOrganizations = max(1, maxConcurrentOrganizations)
        self.organizationLimiter = organizationLimiter
        self.logger = logger
    }

    /// The period comes from `scheduledAt`, not from the clock, so a late or caught-up
    /// run fetches the window it was meant to.
    public func run(_ job: JobSettings, scheduledAt: Date) async throws -> RunSummary {
        let window = job.period.window(at: scheduledAt, in: job.timeZone)
        return try await run(job, window: window, organizations: job.organizations)
    }

    /// A fire this replica claimed: its organizations come from the claims, one lease at
    /// a time, so another replica can take part or finish them if this one dies.
    public func run(_ job: JobSettings, claimed fire: ClaimedFire) async throws -> RunSummary {
        try await fire.claims.openItems(of: fire.lease, organizations: job.organizations)
        let window = job.period.window(at: fire.scheduledAt, in: job.timeZone)
        let source = ClaimedOrganizations(claims: fire.claims, fire: fire.lease.fire, logger: logger)
        return try await run(job, window: window, from: source, planned: job.organizations.count)
    }

    /// One explicit window, as `unpaidd fetch` asks for.
    public func run(_ job: JobSettings, window: BillingWindow, organizations: [Int64]) async throws -> RunSummary {
        try await run(job, window: window, from: FixedOrganizations(organizations), planned: organizations.count)
    }

    private func run(_ job: JobSettings, window: BillingWindow, from source: some OrganizationSource,
                     planned: Int) async throws -> RunSummary {
        let started = ContinuousClock.now
        let runID = try await pipeline.ledger.startRun(job: job.name, startedAt: Date())
        var logger = self.logger
        logger[metadataKey: "run_id"] = "\(runID.rawValue)"
        logger[metadataKey: "job"] = "\(job.name)"
        logger[metadataKey: "period"] = "\(window.label(in: job.timeZone))"
        logger.info("run started", metadata: ["organizations": "\(planned)"])

        var snapshots: [SnapshotRecord] = []
        var failures: [PipelineError] = []
        /// One organization per task, a permit taken before the organization so that a
        /// replica never holds work it cannot start; nil once none is left.
        let takeTurn = { @Sendable [pipeline, organizationLimiter] () async -> Result<SnapshotRecord, PipelineError>? in
            let turn = { @Sendable () async -> Result<SnapshotRecord, PipelineError>? in
                guard let turn = await source.next() else { return nil }
                return await source.perform(turn) {
                    do throws(PipelineError) {
                        return .success(try await pipeline.snapshot(
                            job: job.name, organizationID: turn.organizationID, window: window,
                            timeZone: job.timeZone, filters: job.filters, runID: runID, reconcile: job.reconcile,
                            workItem: turn.workItem))
                    } catch {
                        return .failure(error)
                    }
                }
            }
            guard let organizationLimiter else { return await turn() }
            return try? await organizationLimiter.withPermit { await turn() }
        }
        await withTaskGroup(of: Result<SnapshotRecord, PipelineError>?.self) { group in
            for _ in 0..<maxConcurrentOrganizations { group.addTask(operation: takeTurn) }
            for await result in group {
                switch result {
                case nil:
                    continue
                case .success(let snapshot)?:
                    snapshots.append(snapshot)
                    logger.info("snapshot recorded", metadata: [
                        "org": "\(snapshot.organizationID)", "snapshot_id": "\(snapshot.id.rawValue)",
                        "orders": "\(snapshot.orderCount)",
                        "reconciliation": "\(snapshot.reconciliation?.status.rawValue ?? "off")",
                        "totals": "\(snapshot.totals.keys.sorted().map { "\($0) \(snapshot.totals[$0]!.sum)" }.joined(separator: ", "))",
                    ])
                case .failure(let failure)?:
                    failures.append(failure)
                    await logFailure(failure, runID: runID, job: job.name, logger: logger)
                }
                if !Task.isCancelled { group.addTask(operation: takeTurn) }
            }
        }
        let reason = Task.isCancelled ? "not started: the run was cancelled while waiting for a turn"
            : "not started: the shared work claims could not be read (see the log)"
        for organization in await source.notStarted() {
            let failure = PipelineError(organizationID: organization, stage: .fetch, message: reason)
            failures.append(failure)
            await logFailure(failure, runID: runID, job: job.name, logger: logger)
        }
        snapshots.sort { $0.organizationID < $1.organizationID }
        failures.sort { $0.organizationID < $1.organizationID }
        await pipeline.concludeReconciliations(job: job.name, snapshots: snapshots, logger: logger)
        let summary = RunSummary(runID: runID, job: job.name, window: window, snapshots: snapshots, failures: failures)
        // Before the run is finished, so a `group = "run"` target's message, sent once the
        // run is, lists this run's stale and failing alerts too.
        await evaluatePipelineAlerts(job: job.name, runID: runID, logger: logger)
        let errorText = failures.isEmpty ? nil
            : SecretRedactor.shared.redact(failures.map(\.description).joined(separator: "; "))
        try await pipeline.ledger.finishRun(runID, status: summary.status, error: errorText, finishedAt: Date())
        Counter(label: MetricName.runs, dimensions: [("job", job.name), ("status", summary.status.rawValue)]).increment()
        Timer(label: MetricName.runDuration, dimensions: [("job", job.name)]).record(ContinuousClock.now - started)
        pipeline.ledger.releaseMemory()
        ProcessMemory.returnFreePages()
        logger.log(level: summary.status == .succeeded ? .info : .error, "run finished", metadata: [
            "status": "\(summary.status.rawValue)", "snapshots": "\(snapshots.count)", "failures": "\(failures.count)",
        ])
        return summary
    }

    private func logFailure(_ failure: PipelineError, runID: RunID, job: String, logger: Logger) async {
        await record(failure, runID: runID, job: job, logger: logger)
        var details: Logger.Metadata = [
            "org": "\(failure.organizationID)", "stage": "\(failure.stage.rawValue)", "error": "\(failure.message)",
        ]
        if let kept = failure.rejectedFile { details["kept_file"] = "\(kept)" }
        logger.error("organization failed", metadata: details)
    }

    /// Kept for the failing rules, masked: the ledger keeps it for years.
    private func record(_ failure: PipelineError, runID: RunID, job: String, logger: Logger) async {
        let configuration = pipeline.configuration
        do {
            try await pipeline.ledger.recordFailure(OrganizationFailure(
                runID: runID, job: job, organizationID: failure.organizationID,
                failedAt: Int64(pipeline.now().timeIntervalSince1970), stage: failure.stage.rawValue,
                error: FailureText.masked(failure.message, targets: configuration.alerts.targets)))
        } catch {
            logger.error("cannot record the failure for the failing alerts", metadata: ["error": "\(error)"])
        }
    }

    /// The stale and failing rules learn of this run now, not only at the daemon's next
    /// check; a job not in the configuration (an ad-hoc fetch) is not watched.
    private func evaluatePipelineAlerts(job name: String, runID: RunID, logger: Logger) async {
        let configuration = pipeline.configuration
        guard let job = configuration.job(named: name) else { return }
        do {
            try await PipelineAlerts(configuration: configuration, watching: [job])
                .evaluate(ledger: pipeline.ledger, now: Int64(pipeline.now().timeIntervalSince1970), runID: runID)
        } catch {
            logger.error("evaluating stale and failing alerts failed", metadata: ["error": "\(error)"])
        }
    }
}
