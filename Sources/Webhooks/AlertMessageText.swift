import Foundation
import UnpaidCore

/// The short human message chat robots show: who, which currency, how the total moved,
/// how many orders came and went, and the largest few.
public enum AlertMessageText {
    public static func render(_ notification: AlertNotification) -> String {
        if let health = notification.pipeline { return render(notification, health: health) }
        let identity = notification.identity
        var lines = ["\(headline(notification.kind)) \(identity.rule) · org \(identity.organizationID) · \(identity.currency ?? "")"]
        if let reconciliation = notification.reconciliation {
            lines += ReconciliationText.lines(reconciliation)
            lines.append("Rule: \(notification.condition) · job \(identity.job) · snapshot \(notification.snapshotID.map(String.init) ?? "-") · since \(iso8601(notification.firingSince))")
            return lines.joined(separator: "\n")
        }
        let after = notification.after
        if let before = notification.before, let delta = notification.delta {
            var change = signed(delta)
            if let ratio = notification.relativeDelta { change += ", " + percent(ratio) }
            lines.append("Unpaid: \(before.sum) → \(after.sum) (\(change))")
            lines.append("Orders: \(before.count) → \(after.count); \(notification.newOrderCount) new, "
                + "\(notification.goneOrderCount) paid or revoked, \(notification.changedOrderCount) changed")
        } else {
            lines.append("Unpaid: \(after.sum) in \(after.count) orders (first snapshot)")
        }
        // The summary and rule come before the orders, one order a line: a message cut
        // to a chat platform's cap loses only the smallest orders.
        lines.append("Rule: \(notification.condition) · job \(identity.job) · since \(iso8601(notification.firingSince))")
        if !notification.highlightedOrders.isEmpty {
            lines.append("Largest:")
            lines += notification.highlightedOrders.map { "  \($0.orderNo) \($0.amount)" }
        }
        return lines.joined(separator: "\n")
    }

    /// A stale or failing alert: when the export last arrived, and how fetching it fails.
    static func render(_ notification: AlertNotification, health: SeriesHealth) -> String {
        let identity = notification.identity
        var lines = ["\(headline(notification.kind)) \(identity.rule) · org \(identity.organizationID) · job \(identity.job)"]
        if let at = health.lastSuccessAt {
            lines.append("Last successful snapshot: \(iso8601(at))\(health.lastSuccessSnapshotID.map { " (#\($0))" } ?? "")")
        } else {
            lines.append("No successful snapshot yet (watched since \(iso8601(health.watchedSince)))")
        }
        if health.consecutiveFailures > 0 {
            lines.append("Failed \(health.consecutiveFailures) time\(health.consecutiveFailures == 1 ? "" : "s") in a row"
                + (health.lastFailureAt.map { ", last at \(iso8601($0))" } ?? ""))
            if let error = health.lastError { lines.append("Last error: \(error)") }
        }
        lines.append("Rule: \(notification.condition) · since \(iso8601(notification.firingSince))")
        return lines.joined(separator: "\n")
    }

    static func headline(_ kind: AlertNotification.Kind) -> String {
        switch kind {
        case .firing: "[FIRING]"
        case .repeat: "[STILL FIRING]"
        case .resolved: "[RESOLVED]"
        }
    }

    static func signed(_ amount: Money) -> String {
        amount.isNegative ? "\(amount)" : "+\(amount)"
    }

    static func percent(_ ratio: Double) -> String {
        String(format: "%+.1f%%", ratio * 100)
    }

    /// RFC 3339 in UTC, as Alertmanager and Standard Webhooks payloads write instants.
    static func iso8601(_ seconds: Int64) -> String {
        Date(timeIntervalSince1970: TimeInterval(seconds)).formatted(.iso8601)
    }
}
