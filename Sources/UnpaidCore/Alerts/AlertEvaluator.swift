/// What one new snapshot of one job and organization tells the alert rules.
public struct SnapshotFacts: Sendable {
    public var job: String
    public var organizationID: Int64
    /// The ledger's id for the snapshot, increasing over time: alerts remember the last
    /// one they saw, so evaluating a snapshot twice (after a restart) notifies nothing new.
    public var snapshotID: Int64
    /// The comparison with the previous successful snapshot; nil when there is none.
    public var diff: SnapshotDiff?
    /// The orders of this snapshot: their totals and the largest ones (`OrderHighlights`
    /// collected as they were read, or `PackedOrders` held whole).
    public var orders: any RankedOrders

    public init(job: String, organizationID: Int64, snapshotID: Int64, diff: SnapshotDiff?, orders: any RankedOrders) {
        self.job = job
        self.organizationID = organizationID
        self.snapshotID = snapshotID
        self.diff = diff
        self.orders = orders
    }
}

public struct AlertEvaluation: Sendable, Hashable {
    /// Every state this evaluation created or touched: store them all (upsert by identity).
    public var states: [AlertState]
    /// To put in the outbox, one row per target, keyed by message id.
    public var notifications: [AlertNotification]
}

/// Turns a snapshot, the rules and the alerts' previous states into new states and the
/// notifications they imply. Pure: the same inputs always give the same outputs.
public enum AlertEvaluator {
    public static let highlightedOrderLimit = 5

    /// What `evaluate(rules:facts:states:now:)` will ask of the snapshot's orders, for a
    /// reader that collects `OrderHighlights` instead of keeping the orders.
    public static func highlightRequest(rules: [AlertRule], now: Int64) -> OrderHighlights.Request {
        guard !rules.isEmpty else { return .none }
        return OrderHighlights.Request(limit: highlightedOrderLimit, cutoffs: rules.compactMap { rule in
            guard case .unpaidOlderThan(let days) = rule.condition else { return nil }
            return overdueCutoff(days: days, now: now)
        })
    }

    static func overdueCutoff(days: Int, now: Int64) -> Int64 { now - Int64(days) * 86_400 }

    public static func evaluate(rules: [AlertRule], facts: SnapshotFacts, states: [AlertState],
                                now: Int64) -> AlertEvaluation {
        let known = Dictionary(states.map { ($0.identity, $0) }, uniquingKeysWith: { first, _ in first })
        let current: any RankedOrders = facts.orders.organizationID == facts.organizationID
            ? facts.orders : PackedOrders(organizationID: facts.organizationID)
        var result = AlertEvaluation(states: [], notifications: [])
        let rules = rules.filter { !$0.condition.watchesThePipeline }
        // Alerts about the pipeline have no currency; PipelineAlertEvaluator keeps them.
        let states = states.filter { $0.identity.currency != nil }
        for rule in rules where rule.covers(job: facts.job, organizationID: facts.organizationID)
            && rule.condition != .reconciliationMismatch {
            var currencies = Set(current.totals.keys)
            currencies.formUnion(facts.diff?.currencies.filter { $0.key.organizationID == facts.organizationID }
                .map(\.key.currency) ?? [])
            currencies.formUnion(known.keys.filter {
                $0.rule == rule.name && $0.job == facts.job && $0.organizationID == facts.organizationID
            }.compactMap(\.currency))
            for currency in currencies.sorted() where rule.covers(currency: currency) {
                let identity = AlertIdentity(rule: rule.name, job: facts.job,
                                             organizationID: facts.organizationID, currency: currency)
                let previous = known[identity]
                if let previous, (previous.lastSnapshotID ?? 0) >= facts.snapshotID { continue }
                let observation = Observation(key: TotalsKey(organizationID: facts.organizationID, currency: currency),
                                              facts: facts, current: current, now: now)
                let step = transition(rule: rule, identity: identity, previous: previous,
                                      observation: observation, snapshotID: facts.snapshotID, now: now)
                if let state = step.state { result.states.append(state) }
                if let notification = step.notification { result.notifications.append(notification) }
            }
        }
        result.states += orphaned(states, rules: rules, facts: facts, now: now)
        return result
    }

    /// Firing alerts of this job and organization that no configured rule covers any more
    /// (the rule was removed, renamed or narrowed): nothing would ever resolve them, and
    /// their rule's targets are gone with it, so they resolve without a notification.
    private static func orphaned(_ states: [AlertState], rules: [AlertRule], facts: SnapshotFacts,
                                 now: Int64) -> [AlertState] {
        states.filter { state in
            let identity = state.identity
            return state.status == .firing && identity.job == facts.job
                && identity.organizationID == facts.organizationID && (state.lastSnapshotID ?? 0) < facts.snapshotID
                && !rules.contains { rule in
                    rule.name == identity.rule && rule.covers(job: identity.job, organizationID: identity.organizationID)
                        && identity.currency.map(rule.covers(currency:)) ?? false
                }
        }.map { state in
            var resolved = state
            resolved.status = .resolved
            resolved.resolvedAt = now
            resolved.lastSnapshotID = facts.snapshotID
            return resolved
        }
    }

    private static func transition(rule: AlertRule, identity: AlertIdentity, previous: AlertState?,
                                   observation: Observation, snapshotID: Int64,
                                   now: Int64) -> (state: AlertState?, notification: AlertNotification?) {
        let wasFiring = previous?.status == .firing
        let holds = observation.satisfies(rule.condition, wasFiring: wasFiring)
        var state = previous
        state?.lastSnapshotID = snapshotID
        let kind: AlertNotification.Kind?
        switch (holds, previous) {
        case (true, let previous?) where previous.status == .firing:
            if case .change = rule.condition {
                kind = .firing  // a further matching change is news of its own
            } else if let interval = rule.repeatIntervalSeconds, now - previous.lastNotifiedAt >= interval {
                kind = .repeat
            } else {
                kind = nil
            }
        case (true, _):
            kind = .firing
            state = AlertState(identity: identity, status: .firing, firingSince: now, lastNotifiedAt: now,
                               lastSnapshotID: snapshotID)
        case (false, let previous?) where previous.status == .firing:
            kind = .resolved
            state?.status = .resolved
            state?.resolvedAt = now
        case (false, _):
            kind = nil
        }
        guard let kind, var notified = state else { return (state, nil) }
        notified.lastNotifiedAt = now
        let notification = AlertNotification(
            messageID: AlertNotification.messageID(identity: identity, snapshotID: snapshotID, kind: kind),
            kind: kind, identity: identity, condition: rule.condition.summary, targets: rule.targets,
            snapshotID: snapshotID, firingSince: notified.firingSince, createdAt: now,
            before: observation.before, after: observation.after,
            newOrderCount: observation.diff?.newOrderCount ?? 0,
            goneOrderCount: observation.diff?.goneOrderCount ?? 0,
            changedOrderCount: observation.diff?.changedOrderCount ?? 0,
            highlightedOrders: Array(observation.highlighted(for: rule.condition).prefix(highlightedOrderLimit)))
        return (notified, notification)
    }
}

/// One organization's position in one currency, as a snapshot shows it.
private struct Observation {
    var currency: String
    var before: Total?
    var after: Total
    /// Nil when nothing moved or there is no previous snapshot.
    var diff: CurrencyDiff?
    var orders: any RankedOrders
    var now: Int64

    init(key: TotalsKey, facts: SnapshotFacts, current: any RankedOrders, now: Int64) {
        currency = key.currency
        after = current.totals[key.currency] ?? Total()
        diff = facts.diff?[key]
        before = facts.diff == nil ? nil : (diff?.before ?? after)
        orders = current
        self.now = now
    }

    func satisfies(_ condition: AlertCondition, wasFiring: Bool) -> Bool {
        switch condition {
        case .change(let direction, let minDelta, let minDeltaRatio):
            guard let diff else { return false }
            let delta = diff.delta
            switch direction {
            case .anyChange: break
            case .increase: guard delta > .zero else { return false }
            case .decrease: guard delta < .zero else { return false }
            }
            let size = delta.isNegative ? -delta : delta
            if let minDelta, size < minDelta { return false }
            // From a zero total any increase is infinitely large in relative terms.
            if let minDeltaRatio, let ratio = diff.relativeDelta, abs(ratio) < minDeltaRatio { return false }
            return true
        case .ceiling(let above, let resolveAtOrBelow):
            return after.sum > (wasFiring ? resolveAtOrBelow ?? above : above)
        case .unpaidOlderThan(let days):
            return !overdue(days: days, limit: 1).isEmpty
        case .reconciliationMismatch:
            return false  // decided by MismatchAlertEvaluator after the run
        case .stale, .failing:
            return false
        }
    }

    func highlighted(for condition: AlertCondition) -> [OrderAmount] {
        let limit = AlertEvaluator.highlightedOrderLimit
        switch condition {
        case .change(let direction, _, _):
            let new = diff?.newOrders ?? [], gone = diff?.goneOrders ?? []
            switch direction {
            case .increase: return new
            case .decrease: return gone
            case .anyChange: return new.isEmpty ? gone : new
            }
        case .ceiling: return orders.largest(limit, currency: currency)
        case .unpaidOlderThan(let days): return overdue(days: days, limit: limit)
        case .reconciliationMismatch: return []
        case .stale, .failing: return []
        }
    }

    private func overdue(days: Int, limit: Int) -> [OrderAmount] {
        orders.largest(limit, currency: currency, startedBefore: AlertEvaluator.overdueCutoff(days: days, now: now))
    }
}
