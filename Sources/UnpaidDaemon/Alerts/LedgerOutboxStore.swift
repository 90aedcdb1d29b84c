import CoreMetrics
import Ledger
import UnpaidMetrics
import Webhooks

/// The delivery service's outbox, kept in the ledger (either backend). Errors are stored
/// redacted: a receiver's answer may quote the robot URL with its token.
public struct LedgerOutboxStore: OutboxStore {
    let ledger: any OutboxLedger
    /// Targets with `group = "run"`: their rows wait until their run has finished.
    let wholeRuns: Set<String>

    public init(ledger: any OutboxLedger, wholeRunsFor targets: [WebhookTarget] = []) {
        self.ledger = ledger
        wholeRuns = Set(targets.filter { $0.grouping == .perRun }.map(\.name))
    }

    public func fetchDue(now: Int64, limit: Int) async throws -> [OutboxMessage] {
        try await ledger.dueDeliveries(now: now, limit: limit, wholeRuns: wholeRuns).map(Self.message)
    }

    public func fetchBatch(of message: OutboxMessage) async throws -> [OutboxMessage] {
        try await ledger.pendingBatch(target: message.target, runID: message.runID.map(RunID.init(rawValue:)),
                                createdAt: message.queuedAt).map(Self.message)
    }

    private static func message(_ entry: OutboxEntry) -> OutboxMessage {
        // A requeued dead message gets a whole delivery age again, counted from its requeue.
        OutboxMessage(notification: entry.notification, target: entry.target,
                      createdAt: entry.requeuedAt ?? entry.createdAt, attempts: entry.attempts,
                      nextAttemptAt: entry.nextAttemptAt, runID: entry.runID?.rawValue, queuedAt: entry.createdAt)
    }

    public func markDelivered(_ message: OutboxMessage, at: Int64) async throws {
        try await ledger.markDelivered(messageID: message.messageID, target: message.target,
                                 attempts: message.attempts + 1, at: at)
        Self.count(message, outcome: "delivered")
    }

    public func hold(_ message: OutboxMessage, until: Int64) async throws {
        try await ledger.holdDelivery(messageID: message.messageID, target: message.target, until: until)
    }

    public func markRetry(_ message: OutboxMessage, attempts: Int, nextAttemptAt: Int64, lastError: String) async throws {
        try await ledger.markRetry(messageID: message.messageID, target: message.target, attempts: attempts,
                             nextAttemptAt: nextAttemptAt, lastError: SecretRedactor.shared.redact(lastError))
        Self.count(message, outcome: "retry")
    }

    public func markDead(_ message: OutboxMessage, attempts: Int, reason: String, at: Int64) async throws {
        try await ledger.markDead(messageID: message.messageID, target: message.target, attempts: attempts,
                            reason: SecretRedactor.shared.redact(reason), at: at)
        Self.count(message, outcome: "dead")
    }

    /// Counted once the outcome is committed, so the metric never runs ahead of the outbox.
    private static func count(_ message: OutboxMessage, outcome: String) {
        Counter(label: MetricName.deliveries, dimensions: [("target", message.target), ("outcome", outcome)]).increment()
    }

    public func disableTarget(_ name: String, reason: String, at: Int64) async throws {
        try await ledger.disableTarget(name, reason: SecretRedactor.shared.redact(reason), at: at)
    }
}
