import CoreMetrics
import Ledger
import UnpaidMetrics
import Webhooks

/// The delivery service's outbox, kept in the ledger's SQLite file. Errors are stored
/// redacted: a receiver's answer may quote the robot URL with its token.
public struct LedgerOutboxStore: OutboxStore {
    let ledger: Ledger

    public init(ledger: Ledger) {
        self.ledger = ledger
    }

    public func fetchDue(now: Int64, limit: Int) async throws -> [OutboxMessage] {
        try ledger.dueDeliveries(now: now, limit: limit).map { entry in
            // A requeued dead message gets a whole delivery age again, counted from its requeue.
            OutboxMessage(notification: entry.notification, target: entry.target,
                          createdAt: entry.requeuedAt ?? entry.createdAt,
                          attempts: entry.attempts, nextAttemptAt: entry.nextAttemptAt)
        }
    }

    public func markDelivered(_ message: OutboxMessage, at: Int64) async throws {
        try ledger.markDelivered(messageID: message.messageID, target: message.target,
                                 attempts: message.attempts + 1, at: at)
        Self.count(message, outcome: "delivered")
    }

    public func markRetry(_ message: OutboxMessage, attempts: Int, nextAttemptAt: Int64, lastError: String) async throws {
        try ledger.markRetry(messageID: message.messageID, target: message.target, attempts: attempts,
                             nextAttemptAt: nextAttemptAt, lastError: SecretRedactor.shared.redact(lastError))
        Self.count(message, outcome: "retry")
    }

    public func markDead(_ message: OutboxMessage, attempts: Int, reason: String, at: Int64) async throws {
        try ledger.markDead(messageID: message.messageID, target: message.target, attempts: attempts,
                            reason: SecretRedactor.shared.redact(reason), at: at)
        Self.count(message, outcome: "dead")
    }

    /// Counted once the outcome is committed, so the metric never runs ahead of the outbox.
    private static func count(_ message: OutboxMessage, outcome: String) {
        Counter(label: MetricName.deliveries, dimensions: [("target", message.target), ("outcome", outcome)]).increment()
    }

    public func disableTarget(_ name: String, reason: String, at: Int64) async throws {
        try ledger.disableTarget(name, reason: SecretRedactor.shared.redact(reason), at: at)
    }
}
