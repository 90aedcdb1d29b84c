import Ledger
import UnpaidCore
import Webhooks

/// Decides, inside the snapshot's transaction, which alerts a snapshot changes and which
/// targets hear about it: the rules evaluate, each notification goes to the rule's
/// targets that want it (a target with `send_resolved = false` skips resolutions).
public struct AlertPlanner: Sendable {
    public let rules: [AlertRule]
    let targets: [String: WebhookTarget]
    let now: @Sendable () -> Int64

    public init(settings: AlertSettings, now: @escaping @Sendable () -> Int64) {
        rules = settings.rules
        targets = Dictionary(settings.targets.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.now = now
    }

    public func plan(_ input: AlertingInput) -> AlertingPlan {
        let at = now()
        guard !rules.isEmpty else { return .nothing(at: at) }
        let facts = SnapshotFacts(job: input.snapshot.job, organizationID: input.snapshot.organizationID,
                                  snapshotID: input.snapshot.id.rawValue, diff: input.diff, orders: input.orders)
        return plan(AlertEvaluator.evaluate(rules: rules, facts: facts, states: input.states, now: at), at: at)
    }

    /// The `on = "mismatch"` rules for one organization's reconciled snapshot, after the run.
    public func planMismatch(job: String, organizationID: Int64, snapshotID: Int64, reconciliation: Reconciliation,
                             states: [AlertState]) -> AlertingPlan {
        let at = now()
        return plan(MismatchAlertEvaluator.evaluate(rules: rules, job: job, organizationID: organizationID,
                                                    snapshotID: snapshotID, reconciliation: reconciliation,
                                                    states: states, now: at), at: at)
    }

    private func plan(_ evaluation: AlertEvaluation, at: Int64) -> AlertingPlan {
        AlertingPlan(states: evaluation.states,
                     deliveries: Self.deliveries(evaluation.notifications, rules: rules, targets: targets), now: at)
    }

    /// One delivery per notification and rule target that wants it.
    static func deliveries(_ notifications: [AlertNotification], rules: [AlertRule],
                           targets: [WebhookTarget]) -> [PlannedDelivery] {
        deliveries(notifications, rules: rules,
                   targets: Dictionary(targets.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first }))
    }

    /// A notification of a `critical = true` rule is marked so: quiet hours do not hold it.
    static func deliveries(_ notifications: [AlertNotification], rules: [AlertRule],
                           targets: [String: WebhookTarget]) -> [PlannedDelivery] {
        let critical = Set(rules.filter(\.critical).map(\.name))
        return notifications.flatMap { notification in
            var notification = notification
            if critical.contains(notification.identity.rule) { notification.critical = true }
            return notification.targets.compactMap { name -> PlannedDelivery? in
                // Configuration validation guarantees the name exists; a target removed
                // since has nothing to deliver to.
                guard let target = targets[name], target.accepts(notification) else { return nil }
                return PlannedDelivery(notification: notification, target: name)
            }
        }
    }
}
