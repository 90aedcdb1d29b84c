import UnpaidCore

/// One notification waiting to reach one target. Its key is (messageID, target).
public struct OutboxMessage: Sendable, Hashable, Codable {
    public var notification: AlertNotification
    public var target: String
    public var createdAt: Int64
    /// Attempts made so far.
    public var attempts: Int
    public var nextAttemptAt: Int64
    /// The run that queued it, nil outside a run: a `group = "run"` target gets one
    /// message per run (or, outside a run, per `queuedAt`).
    public var runID: Int64?
    /// When it was queued; differs from `createdAt` once a dead message is requeued.
    public var queuedAt: Int64

    public init(notification: AlertNotification, target: String, createdAt: Int64, attempts: Int = 0,
                nextAttemptAt: Int64, runID: Int64? = nil, queuedAt: Int64? = nil) {
        self.notification = notification
        self.target = target
        self.createdAt = createdAt
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.runID = runID
        self.queuedAt = queuedAt ?? createdAt
    }

    public var messageID: String { notification.messageID }
}

/// The durable outbox delivery drains (the ledger's SQLite tables in the daemon).
///
/// Contract: enqueueing the same (messageID, target) twice keeps one row, so
/// re-evaluating a snapshot never sends twice; `fetchDue` returns only messages of
/// targets that are not disabled, oldest `nextAttemptAt` first, and holds back the
/// messages of a `group = "run"` target while their run is still running.
public protocol OutboxStore: Sendable {
    func fetchDue(now: Int64, limit: Int) async throws -> [OutboxMessage]
    /// Every pending message of `message`'s target queued with it: the same run, or
    /// outside a run the same `queuedAt`. Oldest first; `message` itself included.
    func fetchBatch(of message: OutboxMessage) async throws -> [OutboxMessage]
    func markDelivered(_ message: OutboxMessage, at: Int64) async throws
    /// Not attempted now, and not counted as an attempt: due again at `until`, the end
    /// of its target's quiet hours.
    func hold(_ message: OutboxMessage, until: Int64) async throws
    func markRetry(_ message: OutboxMessage, attempts: Int, nextAttemptAt: Int64, lastError: String) async throws
    /// Dead messages stay in the store with their reason, for `unpaidd status` to report.
    func markDead(_ message: OutboxMessage, attempts: Int, reason: String, at: Int64) async throws
    func disableTarget(_ name: String, reason: String, at: Int64) async throws
}
