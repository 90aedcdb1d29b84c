/// Decides the alerts about the pipeline itself (`on = "stale"`, `on = "failing"`) from
/// each watched job and organization's fetch history and the clock. Pure: the same
/// inputs always give the same outputs, so evaluating again (every minute, after every
/// run, at start for the time the daemon was down) notifies nothing twice.
public enum PipelineAlertEvaluator {
    /// - Parameters:
    ///   - series: the health of every job and organization to evaluate now.
    ///   - configuredJobs: every job of the configuration; a firing alert of a job no
    ///     longer there resolves without a notification, as change alerts of a removed rule do.
    ///   - states: the stored pipeline alerts (currency nil) of at least those jobs.
    public static func evaluate(rules: [AlertRule], series: [SeriesHealth], configuredJobs: Set<String>,
                                states: [AlertState], now: Int64) -> AlertEvaluation {
        let pipelineStates = states.filter { $0.identity.currency == nil }
        let known = Dictionary(pipelineStates.map { ($0.identity, $0) }, uniquingKeysWith: { first, _ in first })
        var result = AlertEvaluation(states: [], notifications: [])
        var evaluated = Set<AlertIdentity>()
        for rule in rules where rule.condition.watchesThePipeline {
            for health in series where rule.covers(job: health.job, organizationID: health.organizationID) {
                let identity = AlertIdentity(rule: rule.name, job: health.job, organizationID: health.organizationID,
                                             currency: nil)
                evaluated.insert(identity)
                let step = transition(rule: rule, identity: identity, previous: known[identity], health: health, now: now)
                if let state = step.state { result.states.append(state) }
                if let notification = step.notification { result.notifications.append(notification) }
            }
        }
        let evaluatedJobs = Set(series.map(\.job))
        for state in pipelineStates where state.status == .firing && !evaluated.contains(state.identity) {
            // Only judge jobs evaluated now (or gone from the configuration): a run of one
            // job evaluates that job alone and must not resolve another job's alerts.
            let job = state.identity.job
            let ruleGone = !rules.contains { $0.name == state.identity.rule && $0.condition.watchesThePipeline }
            guard ruleGone || evaluatedJobs.contains(job) || !configuredJobs.contains(job) else { continue }
            var resolved = state
            resolved.status = .resolved
            resolved.resolvedAt = max(now, state.firingSince)
            result.states.append(resolved)
        }
        return result
    }

    /// When the next evaluation could change something without any new run: the earliest
    /// moment a fresh series turns stale. Nil when no stale rule watches anything.
    public static func nextStaleDeadline(rules: [AlertRule], series: [SeriesHealth], after now: Int64) -> Int64? {
        var earliest: Int64?
        for rule in rules {
            guard case .stale(let after) = rule.condition else { continue }
            for health in series where rule.covers(job: health.job, organizationID: health.organizationID) {
                let deadline = health.freshSince + after
                if deadline > now { earliest = min(earliest ?? deadline, deadline) }
            }
        }
        return earliest
    }

    private static func transition(rule: AlertRule, identity: AlertIdentity, previous: AlertState?,
                                   health: SeriesHealth, now: Int64) -> (state: AlertState?, notification: AlertNotification?) {
        let holds: Bool
        // When the problem began: the stale deadline, or the failure that completed the streak.
        let since: Int64
        switch rule.condition {
        case .stale(let after):
            holds = now - health.freshSince >= after
            since = min(now, health.freshSince + after)
        case .failing(let count):
            holds = health.consecutiveFailures >= count
            since = min(now, health.lastFailureAt ?? now)
        case .change, .ceiling, .unpaidOlderThan, .reconciliationMismatch:
            return (nil, nil)
        }
        let kind: AlertNotification.Kind
        var state: AlertState
        switch (holds, previous) {
        case (true, let previous?) where previous.status == .firing:
            guard let interval = rule.repeatIntervalSeconds, now - previous.lastNotifiedAt >= interval else {
                return (nil, nil)
            }
            kind = .repeat
            state = previous
        case (true, _):
            kind = .firing
            state = AlertState(identity: identity, status: .firing, firingSince: since, lastNotifiedAt: now,
                               lastSnapshotID: nil)
        case (false, let previous?) where previous.status == .firing:
            kind = .resolved
            state = previous
            state.status = .resolved
            state.resolvedAt = max(now, previous.firingSince)
        case (false, _):
            return (nil, nil)
        }
        state.lastNotifiedAt = max(now, state.firingSince)
        // The episode (its start) and, for a repeat, the moment name the message: the same
        // episode evaluated again yields the same id, which the outbox keeps once.
        let episode = kind == .repeat ? "\(state.firingSince)\u{1F}\(now)" : "\(state.firingSince)"
        let notification = AlertNotification(
            messageID: "msg_" + AlertIdentity.hexDigest("\(identity.key)\u{1F}pipeline\u{1F}\(episode)\u{1F}\(kind.rawValue)",
                                                        bytes: 16),
            kind: kind, identity: identity, condition: rule.condition.summary, targets: rule.targets,
            snapshotID: health.lastSuccessSnapshotID, firingSince: state.firingSince, createdAt: now,
            before: nil, after: Total(), newOrderCount: 0, goneOrderCount: 0, changedOrderCount: 0,
            highlightedOrders: [], pipeline: health)
        return (state, notification)
    }
}
