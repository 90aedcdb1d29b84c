import UnpaidCore

/// A digest for people: a headline, then one line per alert (organization, currency,
/// old → new and delta, or what is wrong with the pipeline). One line each, so a chat
/// platform's cap drops whole alerts and says how many.
public enum DigestText {
    public static func render(_ digest: AlertDigest) -> String {
        let count = digest.notifications.count
        var headline = "[DIGEST] \(count) alert\(count == 1 ? "" : "s")"
        if let run = digest.runID { headline += " · run \(run)" }
        headline += " · job \(digest.jobs.joined(separator: ", "))"
        return ([headline] + digest.notifications.map(line)).joined(separator: "\n")
    }

    /// One alert on one line.
    public static func line(_ notification: AlertNotification) -> String {
        let identity = notification.identity
        var line = "\(AlertMessageText.headline(notification.kind)) \(identity.rule) · org \(identity.organizationID)"
        if let currency = identity.currency { line += " · \(currency)" }
        return line + ": " + detail(notification)
    }

    private static func detail(_ notification: AlertNotification) -> String {
        if let health = notification.pipeline {
            var parts = [health.lastSuccessAt.map { "last snapshot \(AlertMessageText.iso8601($0))" } ?? "no snapshot yet"]
            if health.consecutiveFailures > 0 {
                parts.append("failed \(health.consecutiveFailures) time\(health.consecutiveFailures == 1 ? "" : "s") in a row")
                if let error = health.lastError { parts.append("last error: " + oneLine(error)) }
            }
            return parts.joined(separator: ", ")
        }
        if let reconciliation = notification.reconciliation {
            let amount = reconciliation.exportAmount.map { "\($0)" } ?? "several currencies"
            return "reconciliation \(reconciliation.status.rawValue): export \(reconciliation.exportCount) orders, \(amount); "
                + "GetOrderAmount \(ReconciliationText.reading(reconciliation.after))"
                + (reconciliation.reason.map { "; " + oneLine($0) } ?? "")
        }
        let after = notification.after
        guard let before = notification.before, let delta = notification.delta else {
            return "\(after.sum) in \(after.count) orders (first snapshot)"
        }
        var change = AlertMessageText.signed(delta)
        if let ratio = notification.relativeDelta { change += ", " + AlertMessageText.percent(ratio) }
        return "\(before.sum) → \(after.sum) (\(change)), orders \(before.count) → \(after.count)"
    }

    private static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
