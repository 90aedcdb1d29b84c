import Foundation
import Ledger
import UnpaidCore
import Webhooks

/// The stale and failing rules applied to the jobs a process runs: after every run (by
/// `JobRunner`, for that job) and on the daemon's clock (`PipelineWatch`, for every
/// scheduled job), each time in one ledger transaction that stores the alerts' states
/// and queues their notifications in the outbox the change alerts use.
public struct PipelineAlerts: Sendable {
    let settings: AlertSettings
    /// What is watched: every organization of these jobs that a pipeline rule covers.
    let series: [WatchedSeries]
    let configuredJobs: Set<String>

    public init(configuration: Configuration, watching jobs: [JobSettings]) {
        settings = configuration.alerts
        let configured = Set(configuration.jobs.map(\.name))
        configuredJobs = configured
        let rules = configuration.alerts.rules.filter(\.condition.watchesThePipeline)
        series = jobs.filter { configured.contains($0.name) }.flatMap { job in
            job.organizations.map { WatchedSeries(job: job.name, organizationID: $0) }
        }.filter { series in rules.contains { $0.covers(job: series.job, organizationID: series.organizationID) } }
    }

    /// Evaluates now, as part of `runID` when after a run; returns the notifications
    /// queued (one per target).
    @discardableResult
    public func evaluate(ledger: any Ledger, now: Int64, runID: RunID? = nil) async throws -> [PlannedDelivery] {
        try await ledger.evaluatePipelineAlerts(series, now: now, runID: runID) { input in
            let evaluation = PipelineAlertEvaluator.evaluate(rules: settings.rules, series: input.series,
                                                             configuredJobs: configuredJobs, states: input.states, now: now)
            return AlertingPlan(states: evaluation.states,
                                deliveries: AlertPlanner.deliveries(evaluation.notifications, rules: settings.rules,
                                                                    targets: settings.targets),
                                now: now)
        }.deliveries
    }

    /// The next moment a series turns stale if nothing succeeds before; nil when none can.
    public func nextStaleDeadline(ledger: any Ledger, after now: Int64) async throws -> Int64? {
        guard !series.isEmpty else { return nil }
        return PipelineAlertEvaluator.nextStaleDeadline(rules: settings.rules, series: try await ledger.seriesHealth(series),
                                                        after: now)
    }
}
