/// What a whole run's reconciliations say, for the log at the end of the run: the
/// per-organization outcomes summarized by a pure function, so a fault common to every
/// organization is said once instead of once per organization.
public struct RunReconciliationSummary: Sendable, Hashable {
    /// How an export differs from the second source: the sign of each difference
    /// (export minus API), the amount's nil when it could not be compared.
    public struct Pattern: Sendable, Hashable, CustomStringConvertible {
        public var count: Int
        public var amount: Int?

        public init(count: Int, amount: Int?) {
            self.count = count
            self.amount = amount
        }

        public var description: String {
            let orders = count < 0 ? "fewer orders" : count > 0 ? "more orders" : "the same order count"
            guard let amount else { return "the export has \(orders) (amounts not comparable)" }
            let total = amount < 0 ? "a lower total" : amount > 0 ? "a higher total" : "the same total"
            return "the export has \(orders) and \(total)"
        }
    }

    /// Organizations whose reconciliation is unavailable because the API refused the action.
    public var actionRefused: [Int64] = []
    /// The first refusal's reason, to show once.
    public var refusalReason: String?
    /// Set when every compared organization (at least two) mismatched the same way: the
    /// sources probably count differently, which one alert per organization would not say.
    public var systematicMismatch: Pattern?
    /// Organizations whose mismatch stands on its own: alert rules apply to them.
    public var alertable: [Int64] = []
    public var counts: [ReconciliationStatus: Int] = [:]

    public init() {}

    /// - Parameter outcomes: one per organization snapshot of the run.
    public static func summarize(_ outcomes: [(organizationID: Int64, reconciliation: Reconciliation)]) -> Self {
        var summary = Self()
        for (organization, reconciliation) in outcomes {
            summary.counts[reconciliation.status, default: 0] += 1
            let refusal = [reconciliation.before.failure, reconciliation.after.failure]
                .compactMap { $0 }.first { $0.actionRefused }
            if let refusal {
                summary.actionRefused.append(organization)
                if summary.refusalReason == nil { summary.refusalReason = refusal.reason }
            }
        }
        let compared = outcomes.filter { $0.reconciliation.status != .unavailable }
        let mismatched = compared.filter { $0.reconciliation.status == .mismatch }
        let patterns = Set(mismatched.compactMap { pattern(of: $0.reconciliation) })
        if compared.count >= 2, mismatched.count == compared.count, patterns.count == 1 {
            summary.systematicMismatch = patterns.first
        } else {
            summary.alertable = mismatched.map(\.organizationID)
        }
        summary.actionRefused.sort()
        summary.alertable.sort()
        return summary
    }

    /// The sign of each difference against the answer messages show.
    public static func pattern(of reconciliation: Reconciliation) -> Pattern? {
        guard let answer = reconciliation.latestAnswer else { return nil }
        func sign<T: Comparable>(_ a: T, _ b: T) -> Int { a < b ? -1 : a > b ? 1 : 0 }
        return Pattern(count: sign(reconciliation.exportCount, answer.count),
                       amount: reconciliation.exportAmount.map { sign($0, answer.amount) })
    }
}
