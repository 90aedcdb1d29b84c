import Foundation
import UnpaidCore

/// The outbox and alert states: what delivery drains and operators inspect. Times are
/// Unix seconds.
public protocol OutboxLedger: Sendable {
    /// Pending messages due at `now`, oldest first, of targets not disabled; messages of
    /// `wholeRuns` targets wait until their run has finished.
    func dueDeliveries(now: Int64, limit: Int, wholeRuns: Set<String>) async throws -> [OutboxEntry]
    func nextDeliveryDue(wholeRuns: Set<String>) async throws -> Int64?
    func pendingBatch(target: String, runID: RunID?, createdAt: Int64) async throws -> [OutboxEntry]
    func markDelivered(messageID: String, target: String, attempts: Int, at: Int64) async throws
    func holdDelivery(messageID: String, target: String, until: Int64) async throws
    func releaseHeldDeliveries(targets: Set<String>, now: Int64) async throws -> Int
    func markRetry(messageID: String, target: String, attempts: Int, nextAttemptAt: Int64,
                   lastError: String) async throws
    func markDead(messageID: String, target: String, attempts: Int, reason: String, at: Int64) async throws
    /// Requeues dead messages (of `target`, dead since `since`); returns them.
    func retryDead(target: String?, since: Int64?, now: Int64) async throws -> [OutboxEntry]
    func disableTarget(_ target: String, reason: String, at: Int64) async throws
    func enableTarget(_ target: String) async throws -> Bool
    func disabledTargets() async throws -> [DisabledTarget]
    func deliveries(status: DeliveryStatus?, limit: Int?) async throws -> [OutboxEntry]
    func outboxCounts() async throws -> [OutboxCount]
    func alerts(status: AlertState.Status?) async throws -> [StoredAlert]
}

extension OutboxLedger {
    public func dueDeliveries(now: Int64, limit: Int) async throws -> [OutboxEntry] {
        try await dueDeliveries(now: now, limit: limit, wholeRuns: [])
    }

    public func nextDeliveryDue() async throws -> Int64? {
        try await nextDeliveryDue(wholeRuns: [])
    }

    public func retryDead(now: Int64) async throws -> [OutboxEntry] {
        try await retryDead(target: nil, since: nil, now: now)
    }

    public func deliveries(status: DeliveryStatus? = nil) async throws -> [OutboxEntry] {
        try await deliveries(status: status, limit: nil)
    }

    public func alerts() async throws -> [StoredAlert] {
        try await alerts(status: nil)
    }
}
