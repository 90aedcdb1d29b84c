/// An `[[alert]]` rule: which snapshots it watches and the condition that makes it fire.
public struct AlertRule: Sendable, Hashable, Codable {
    public var name: String
    /// Job names covered; empty covers every job.
    public var jobs: [String]
    /// Organization IDs covered; empty covers every organization.
    public var organizations: [Int64]
    /// Currency codes covered; empty covers every currency.
    public var currencies: [String]
    public var condition: AlertCondition
    /// How often a condition that stays true is notified again; nil notifies once.
    public var repeatIntervalSeconds: Int64?
    /// Names of the `[[target]]`s that receive this rule's notifications.
    public var targets: [String]
    /// Its notifications go out during a target's quiet hours too (`critical = true`).
    public var critical: Bool

    public init(name: String, jobs: [String] = [], organizations: [Int64] = [], currencies: [String] = [],
                condition: AlertCondition, repeatIntervalSeconds: Int64? = nil, targets: [String],
                critical: Bool = false) {
        self.name = name
        self.jobs = jobs
        self.organizations = organizations
        self.currencies = currencies
        self.condition = condition
        self.repeatIntervalSeconds = repeatIntervalSeconds
        self.targets = targets
        self.critical = critical
    }

    public func covers(job: String, organizationID: Int64) -> Bool {
        (jobs.isEmpty || jobs.contains(job)) && (organizations.isEmpty || organizations.contains(organizationID))
    }

    public func covers(currency: String) -> Bool {
        currencies.isEmpty || currencies.contains(currency)
    }
}

/// Which way a total must move for a change rule.
public enum ChangeDirection: String, Sendable, Hashable, Codable, CaseIterable {
    case anyChange = "any-change"
    case increase
    case decrease
}

/// What a rule watches. Exactly one kind per rule keeps "firing" and "resolved" meaningful.
public enum AlertCondition: Sendable, Hashable, Codable {
    /// The total moved since the previous snapshot (`on`, `min_delta`, `min_delta_ratio`).
    /// Both thresholds must hold when both are given; they compare magnitudes.
    case change(ChangeDirection, minDelta: Money?, minDeltaRatio: Double?)
    /// The total is above a ceiling (`above`). Firing starts when the total exceeds
    /// `above` and ends only once it is at or under `resolveAtOrBelow` (default `above`),
    /// so a total hovering around the ceiling does not flap.
    case ceiling(above: Money, resolveAtOrBelow: Money?)
    /// Some order's billing started more than `days` days ago and it is still unpaid.
    case unpaidOlderThan(days: Int)
    /// The latest snapshot's export disagrees with `GetOrderAmount` (`on = "mismatch"`);
    /// resolves when one agrees. One alert per job and organization, across currencies.
    case reconciliationMismatch
    /// No successful snapshot of the job and organization for `afterSeconds` (`on = "stale"`):
    /// a dead man's switch, evaluated on the daemon's clock rather than on snapshots.
    case stale(afterSeconds: Int64)
    /// The last `afterFailures` attempts at the job and organization all failed (`on = "failing"`).
    case failing(afterFailures: Int)

    /// True for conditions about the pipeline itself (one alert per job and organization,
    /// no currency), which `PipelineAlertEvaluator` decides instead of `AlertEvaluator`.
    public var watchesThePipeline: Bool {
        switch self {
        case .stale, .failing: true
        case .change, .ceiling, .unpaidOlderThan, .reconciliationMismatch: false
        }
    }

    /// The rule's condition written as in the configuration, for messages.
    public var summary: String {
        switch self {
        case .change(let direction, let minDelta, let minDeltaRatio):
            var parts = ["on = \(direction.rawValue)"]
            if let minDelta { parts.append("min_delta = \(minDelta)") }
            if let minDeltaRatio { parts.append("min_delta_ratio = \(minDeltaRatio)") }
            return parts.joined(separator: ", ")
        case .ceiling(let above, let resolve):
            return resolve.map { "above = \(above), resolve_below = \($0)" } ?? "above = \(above)"
        case .unpaidOlderThan(let days):
            return "unpaid_older_than = \(days) days"
        case .reconciliationMismatch:
            return "on = mismatch"
        case .stale(let seconds):
            return "on = stale, after = \(Self.durationText(seconds))"
        case .failing(let count):
            return "on = failing, after_failures = \(count)"
        }
    }

    /// `26h`, `90m`, `1h30m`, `45s`: the configuration's duration spelling.
    public static func durationText(_ seconds: Int64) -> String {
        let parts: [(Int64, String)] = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")]
        var rest = seconds, text = ""
        for (size, unit) in parts where rest >= size {
            // Whole days read better as hours up to two days ("26h", not "1d2h").
            if unit == "d", seconds < 2 * 86_400 || seconds % 86_400 != 0 { continue }
            text += "\(rest / size)\(unit)"
            rest %= size
        }
        return text.isEmpty ? "0s" : text
    }
}

/// A rule that cannot work as written, naming the rule and the field to fix.
public struct AlertRuleError: Error, Sendable, Equatable, CustomStringConvertible {
    public var rule: String
    public var field: String
    public var problem: String

    public init(rule: String, field: String, problem: String) {
        self.rule = rule
        self.field = field
        self.problem = problem
    }

    public var description: String { "[[alert]] \"\(rule)\": \(field): \(problem)" }
}

extension AlertRule {
    /// Checks one rule against the target names the configuration defines.
    public func validate(knownTargets: Set<String>) throws(AlertRuleError) {
        func fail(_ field: String, _ problem: String) -> AlertRuleError {
            AlertRuleError(rule: name, field: field, problem: problem)
        }
        guard !name.allSatisfy(\.isWhitespace) else {
            throw fail("name", "must not be empty")
        }
        switch condition {
        case .change(_, let minDelta, let minDeltaRatio):
            if let minDelta, minDelta.isNegative {
                throw fail("min_delta", "must be zero or more (it compares the size of the change), got \(minDelta)")
            }
            if let minDeltaRatio, !(minDeltaRatio.isFinite && minDeltaRatio >= 0) {
                throw fail("min_delta_ratio", "must be a finite number zero or more (0.1 = 10%), got \(minDeltaRatio)")
            }
            if repeatIntervalSeconds != nil {
                throw fail("repeat_interval", "applies to above and unpaid_older_than; every matching change is already notified")
            }
        case .ceiling(let above, let resolve):
            if above.isNegative { throw fail("above", "must be zero or more, got \(above)") }
            if let resolve, resolve > above {
                throw fail("resolve_below", "must not be above the ceiling \(above), got \(resolve)")
            }
        case .unpaidOlderThan(let days):
            if days < 1 { throw fail("unpaid_older_than", "must be at least 1 day, got \(days)") }
        case .reconciliationMismatch:
            if !currencies.isEmpty {
                throw fail("currencies", "on = \"mismatch\" compares all currencies at once; remove currencies")
            }
        case .stale(let seconds):
            if seconds < 1 { throw fail("after", "must be a positive duration such as 26h, got \(seconds) seconds") }
        case .failing(let count):
            if count < 1 { throw fail("after_failures", "must be at least 1, got \(count)") }
        }
        if condition.watchesThePipeline, !currencies.isEmpty {
            throw fail("currencies", "stale and failing alerts are per job and organization, not per currency; remove currencies")
        }
        if let repeatIntervalSeconds, repeatIntervalSeconds < 60 {
            throw fail("repeat_interval", "must be at least one minute, got \(repeatIntervalSeconds) seconds")
        }
        guard !targets.isEmpty else { throw fail("targets", "must name at least one [[target]]") }
        if let unknown = targets.first(where: { !knownTargets.contains($0) }) {
            let known = knownTargets.sorted().joined(separator: ", ")
            throw fail("targets", "no [[target]] named \"\(unknown)\" (defined: \(known.isEmpty ? "none" : known))")
        }
    }

    /// Checks every rule, and that names are unique: a name is part of each alert's identity.
    public static func validate(_ rules: [AlertRule], knownTargets: Set<String>) throws(AlertRuleError) {
        var seen = Set<String>()
        for rule in rules {
            try rule.validate(knownTargets: knownTargets)
            guard seen.insert(rule.name).inserted else {
                throw AlertRuleError(rule: rule.name, field: "name", problem: "another [[alert]] has the same name")
            }
        }
    }
}
