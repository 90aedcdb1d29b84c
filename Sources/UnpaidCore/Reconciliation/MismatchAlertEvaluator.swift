/// Decides `on = "mismatch"` alerts from one organization's reconciliation. Pure.
///
/// Called after the run, for the organizations whose mismatch stands on its own (see
/// `RunReconciliationSummary.alertable`) and those that agree (which resolve). A snapshot
/// whose check moved or was unavailable says nothing either way and changes no alert.
public enum MismatchAlertEvaluator {
    /// The alert's currency: a reconciliation compares every currency at once.
    public static let allCurrencies = "all"

    public static func evaluate(rules: [AlertRule], job: String, organizationID: Int64, snapshotID: Int64,
                                reconciliation: Reconciliation, states: [AlertState], now: Int64) -> AlertEvaluation {
        var result = AlertEvaluation(states: [], notifications: [])
        let holds: Bool
        switch reconciliation.status {
        case .mismatch: holds = true
        case .reconciled, .notComparable: holds = false
        case .movedDuringFetch, .unavailable: return result
        }
        for rule in rules where rule.condition == .reconciliationMismatch
            && rule.covers(job: job, organizationID: organizationID) {
            let identity = AlertIdentity(rule: rule.name, job: job, organizationID: organizationID,
                                         currency: allCurrencies)
            let previous = states.first { $0.identity == identity }
            if let previous, (previous.lastSnapshotID ?? 0) >= snapshotID { continue }
            var state = previous
            state?.lastSnapshotID = snapshotID
            let kind: AlertNotification.Kind?
            switch (holds, previous?.status) {
            case (true, .firing):
                let interval = rule.repeatIntervalSeconds
                kind = interval.map { now - previous!.lastNotifiedAt >= $0 } == true ? .repeat : nil
            case (true, _):
                kind = .firing
                state = AlertState(identity: identity, status: .firing, firingSince: now, lastNotifiedAt: now,
                                   lastSnapshotID: snapshotID)
            case (false, .firing):
                kind = .resolved
                state?.status = .resolved
                state?.resolvedAt = now
            case (false, _):
                kind = nil
            }
            guard var stored = state else { continue }
            if let kind {
                stored.lastNotifiedAt = now
                result.notifications.append(notification(kind, rule: rule, identity: identity, state: stored,
                                                         snapshotID: snapshotID, reconciliation: reconciliation,
                                                         now: now))
            }
            result.states.append(stored)
        }
        return result
    }

    private static func notification(_ kind: AlertNotification.Kind, rule: AlertRule, identity: AlertIdentity,
                                     state: AlertState, snapshotID: Int64, reconciliation: Reconciliation,
                                     now: Int64) -> AlertNotification {
        AlertNotification(
            messageID: AlertNotification.messageID(identity: identity, snapshotID: snapshotID, kind: kind),
            kind: kind, identity: identity, condition: rule.condition.summary, targets: rule.targets,
            snapshotID: snapshotID, firingSince: state.firingSince, createdAt: now, before: nil,
            after: Total(count: Int(reconciliation.exportCount), sum: reconciliation.exportAmount ?? .zero),
            newOrderCount: 0, goneOrderCount: 0, changedOrderCount: 0, highlightedOrders: [],
            reconciliation: reconciliation)
    }
}
