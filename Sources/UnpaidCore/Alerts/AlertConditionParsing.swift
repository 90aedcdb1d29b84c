extension AlertCondition {
    /// Builds the condition from an `[[alert]]` table's keys as written (nil = key absent),
    /// so each configuration mistake is reported against the key that causes it.
    /// `after` is in seconds; `afterFailures` defaults to 3 for `on = "failing"`.
    public init(rule: String, on: String?, minDelta: String?, minDeltaRatio: Double?, above: String?,
                resolveBelow: String?, unpaidOlderThanDays: Int?, after: Int64? = nil,
                afterFailures: Int? = nil) throws(AlertRuleError) {
        func fail(_ field: String, _ problem: String) -> AlertRuleError {
            AlertRuleError(rule: rule, field: field, problem: problem)
        }
        if let on, on == "stale" || on == "failing" {
            let others = [minDelta.map { _ in "min_delta" }, minDeltaRatio.map { _ in "min_delta_ratio" },
                          above.map { _ in "above" }, resolveBelow.map { _ in "resolve_below" },
                          unpaidOlderThanDays.map { _ in "unpaid_older_than" }].compactMap { $0 }
            if let other = others.first {
                throw fail(other, "does not apply to on = \"\(on)\"; use another [[alert]] table for it")
            }
            if on == "stale" {
                if afterFailures != nil { throw fail("after_failures", "only applies to on = \"failing\"") }
                guard let after else { throw fail("after", "is required with on = \"stale\": how long without a successful snapshot, e.g. \"26h\"") }
                self = .stale(afterSeconds: after)
            } else {
                if after != nil { throw fail("after", "only applies to on = \"stale\"; failing counts attempts with after_failures") }
                self = .failing(afterFailures: afterFailures ?? 3)
            }
            return
        }
        if after != nil { throw fail("after", "only applies to on = \"stale\"") }
        if afterFailures != nil { throw fail("after_failures", "only applies to on = \"failing\"") }
        func money(_ field: String, _ text: String?) throws(AlertRuleError) -> Money? {
            guard let text else { return nil }
            do { return try Money(text) } catch { throw fail(field, "expected a decimal amount such as \"1500.00\", got \"\(text)\"") }
        }
        let isChange = on != nil || minDelta != nil || minDeltaRatio != nil
        let kinds = [isChange ? "on/min_delta/min_delta_ratio" : nil, above.map { _ in "above" },
                     unpaidOlderThanDays.map { _ in "unpaid_older_than" }].compactMap { $0 }
        guard kinds.count == 1 else {
            throw fail("condition", kinds.isEmpty
                ? "set one of on, above or unpaid_older_than"
                : "set only one kind of condition, found \(kinds.joined(separator: " and ")); use two [[alert]] tables")
        }
        if resolveBelow != nil, above == nil { throw fail("resolve_below", "only applies together with above") }
        if on == "mismatch" {
            if minDelta != nil || minDeltaRatio != nil {
                throw fail(minDelta != nil ? "min_delta" : "min_delta_ratio", "does not apply to on = \"mismatch\"")
            }
            self = .reconciliationMismatch
        } else if isChange {
            let direction: ChangeDirection
            if let on {
                guard let parsed = ChangeDirection(rawValue: on) else {
                    throw fail("on", "expected \"any-change\", \"increase\", \"decrease\", \"mismatch\", \"stale\" or \"failing\", got \"\(on)\"")
                }
                direction = parsed
            } else {
                direction = .anyChange
            }
            self = .change(direction, minDelta: try money("min_delta", minDelta), minDeltaRatio: minDeltaRatio)
        } else if let ceiling = try money("above", above) {
            self = .ceiling(above: ceiling, resolveAtOrBelow: try money("resolve_below", resolveBelow))
        } else {
            self = .unpaidOlderThan(days: unpaidOlderThanDays!)
        }
    }
}
