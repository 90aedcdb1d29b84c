import Foundation
import Ledger
import UnpaidCore
import Webhooks

/// The tables `unpaidd alerts` and `unpaidd deliveries` print. Texts that may quote a
/// receiver (last errors) pass through a `SecretRedactor` first.
public enum AlertReports {
    public static func alerts(_ alerts: [StoredAlert], timeZone: TimeZone) -> TabularReport {
        var report = TabularReport(columns: ["status", "rule", "job", "organization", "currency", "firing_since",
                                             "resolved_at", "before", "after", "delta", "orders_before",
                                             "orders_after", "highlighted_orders", "snapshot", "pipeline"])
        for alert in alerts {
            let state = alert.state, last = alert.lastNotification
            let health = last?.pipeline
            let after: TabularReport.Cell = health == nil ? last.map { .money($0.after.sum) } ?? .missing : .missing
            let ordersAfter: TabularReport.Cell = health == nil ? last.map { .integer(Int64($0.after.count)) } ?? .missing
                : .missing
            report.append([
                .text(state.status.rawValue), .text(state.identity.rule), .text(state.identity.job),
                .integer(state.identity.organizationID), state.identity.currency.map { .text($0) } ?? .missing,
                .text(time(state.firingSince, timeZone)), state.resolvedAt.map { .text(time($0, timeZone)) } ?? .missing,
                last?.before.map { .money($0.sum) } ?? .missing, after,
                health == nil ? last?.delta.map { .money($0) } ?? .missing : .missing,
                last?.before.map { .integer(Int64($0.count)) } ?? .missing, ordersAfter,
                .text(last?.highlightedOrders.map(\.orderNo).joined(separator: " ") ?? ""),
                (state.lastSnapshotID ?? health?.lastSuccessSnapshotID).map { .integer($0) } ?? .missing,
                health.map { .text(pipelineSummary($0, timeZone)) } ?? .missing,
            ])
        }
        return report
    }

    public static func deliveries(_ entries: [OutboxEntry], disabled: [DisabledTarget], mask: SecretRedactor,
                                  timeZone: TimeZone) -> TabularReport {
        let disabledNames = Set(disabled.map(\.target))
        var report = TabularReport(columns: ["message_id", "target", "kind", "rule", "organization", "currency",
                                             "status", "attempts", "created_at", "next_attempt_at", "finished_at",
                                             "last_error"])
        for entry in entries {
            let identity = entry.notification.identity
            let held = entry.status == .pending && disabledNames.contains(entry.target)
            report.append([
                .text(entry.messageID), .text(entry.target), .text(entry.notification.kind.rawValue),
                .text(identity.rule), .integer(identity.organizationID), identity.currency.map { .text($0) } ?? .missing,
                .text(held ? "held (target disabled)" : entry.status.rawValue), .integer(Int64(entry.attempts)),
                .text(time(entry.createdAt, timeZone)),
                entry.status == .pending ? .text(time(entry.nextAttemptAt, timeZone)) : .missing,
                entry.finishedAt.map { .text(time($0, timeZone)) } ?? .missing,
                entry.lastError.map { .text(mask.redact(oneLine($0))) } ?? .missing,
            ])
        }
        return report
    }

    public static func disabledTargets(_ targets: [DisabledTarget], mask: SecretRedactor, timeZone: TimeZone) -> TabularReport {
        var report = TabularReport(columns: ["disabled_target", "since", "reason"])
        for target in targets {
            report.append([.text(target.target), .text(time(target.disabledAt, timeZone)),
                           .text(mask.redact(oneLine(target.reason)))])
        }
        return report
    }

    /// A stale or failing alert's facts in one line: last success, failures in a row, last error.
    static func pipelineSummary(_ health: SeriesHealth, _ timeZone: TimeZone) -> String {
        var parts = [health.lastSuccessAt.map { "last success \(time($0, timeZone))" } ?? "no success yet"]
        if health.consecutiveFailures > 0 {
            parts.append("\(health.consecutiveFailures) failure(s) in a row")
            if let error = health.lastError { parts.append("last error: \(oneLine(error))") }
        }
        return parts.joined(separator: "; ")
    }

    /// ISO 8601 in the configured zone, which is what finance reads dates in.
    static func time(_ seconds: Int64, _ timeZone: TimeZone) -> String {
        Date(timeIntervalSince1970: TimeInterval(seconds))
            .formatted(Date.ISO8601FormatStyle(timeZone: timeZone).year().month().day()
                .time(includingFractionalSeconds: false).timeZone(separator: .colon))
    }

    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
