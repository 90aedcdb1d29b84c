import Ledger
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
    }

    public func markRetry(_ message: OutboxMessage, attempts: Int, nextAttemptAt: Int64, lastError: String) async throws {
        try ledger.markRetry(messageID: message.messageID, target: message.target, attempts: attempts,
                             nextAttemptAt: nextAttemptAt, lastError: SecretRedactor.shared.redact(lastError))
    }

    public func markDead(_ message: OutboxMessage, attempts: Int, reason: String, at: Int64) async throws {
        try ledger.markDead(messageID: message.messageID, target: message.target, attempts: attempts,
                            reason: SecretRedactor.shared.redact(reason), at: at)
    }

    public func disableTarget(_ name: String, reason: String, at: Int64) async throws {
        try ledger.disableTarget(name, reason: SecretRedactor.shared.redact(reason), at: at)
    }
}
