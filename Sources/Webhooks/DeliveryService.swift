import Logging
import UnpaidCore

/// Drains the outbox: every due message gets one attempt, and its outcome is recorded
/// before the next pass, so a restart resumes where delivery stopped (at least once,
/// with the same message id on every attempt).
public struct DeliveryService: Sendable {
    public struct PassReport: Sendable, Hashable {
        public var delivered = 0
        public var retrying = 0
        /// Left for a later pass because their target reached its messages per minute.
        public var paced = 0
        public var dead: [String] = []
        public var disabledTargets: [String] = []
        public init() {}
    }

    private let store: any OutboxStore
    private let sender: WebhookSender
    private let targets: [String: WebhookTarget]
    private let schedule: RetrySchedule
    private let batchSize: Int
    private let logger: Logger
    private let pacer = TargetPacer()

    public init(store: any OutboxStore, sender: WebhookSender, targets: [WebhookTarget],
                schedule: RetrySchedule = RetrySchedule(), batchSize: Int = 100, logger: Logger) {
        self.store = store
        self.sender = sender
        self.targets = Dictionary(targets.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.schedule = schedule
        self.batchSize = batchSize
        self.logger = logger
    }

    /// Until cancelled: a pass, then a pause of `pollInterval`.
    public func run(pollInterval: Duration, now: @escaping @Sendable () -> Int64) async throws {
        var generator = SystemRandomNumberGenerator()
        while !Task.isCancelled {
            _ = try await pass(now: now, using: &generator)
            try await Task.sleep(for: pollInterval)
        }
    }

    /// One attempt for each due message. Targets are served concurrently, each target's
    /// messages one after another, oldest first; a target that asks for a pause, or has
    /// had its messages for this minute, gets nothing more this pass.
    public func pass(now: @escaping @Sendable () -> Int64,
                     using generator: inout some RandomNumberGenerator) async throws -> PassReport {
        let due = try await store.fetchDue(now: now(), limit: batchSize)
        var report = PassReport()
        var byTarget: [String: [OutboxMessage]] = [:]
        for message in due {
            if targets[message.target] == nil {
                try await dead(message, attempts: message.attempts,
                               reason: "no [[target]] named \"\(message.target)\" in the configuration", now: now(), &report)
            } else {
                byTarget[message.target, default: []].append(message)
            }
        }
        let results = await withTaskGroup(of: TargetRound.self) { group in
            for (name, messages) in byTarget {
                group.addTask { [sender, targets, pacer] in
                    await Self.send(messages, to: targets[name]!, sender: sender, pacer: pacer, now: now)
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        for round in results {
            for attempt in round.attempts { try await record(attempt, &report, using: &generator) }
            report.paced += round.paced
        }
        return report
    }

    private struct Attempt: Sendable {
        var message: OutboxMessage
        var outcome: DeliveryOutcome
        var at: Int64
    }

    /// One target's share of a pass: what was tried, and how many messages its
    /// per-minute limit held back (they stay due, untouched, for a later pass).
    private struct TargetRound: Sendable {
        var attempts: [Attempt] = []
        var paced = 0
    }

    private static func send(_ messages: [OutboxMessage], to target: WebhookTarget, sender: WebhookSender,
                             pacer: TargetPacer, now: @Sendable () -> Int64) async -> TargetRound {
        var round = TargetRound()
        for (index, message) in messages.enumerated() {
            let at = now()
            guard pacer.take(target, at: at) else {
                round.paced = messages.count - index
                return round
            }
            let outcome = await sender.attempt(message.notification, to: target, now: at)
            round.attempts.append(Attempt(message: message, outcome: outcome, at: at))
            switch outcome {
            case .delivered, .permanentFailure: continue
            case .retry, .disableTarget: return round
            }
        }
        return round
    }

    private func record(_ attempt: Attempt, _ report: inout PassReport,
                        using generator: inout some RandomNumberGenerator) async throws {
        let message = attempt.message, attempts = message.attempts + 1
        switch attempt.outcome {
        case .delivered:
            try await store.markDelivered(message, at: attempt.at)
            report.delivered += 1
        case .retry(let after, let reason):
            switch schedule.next(afterAttempts: attempts, createdAt: message.createdAt, now: attempt.at,
                                 retryAfter: after, using: &generator) {
            case .retry(let at):
                try await store.markRetry(message, attempts: attempts, nextAttemptAt: at, lastError: reason)
                report.retrying += 1
            case .dead(let why):
                try await dead(message, attempts: attempts, reason: "\(why); last error: \(reason)", now: attempt.at, &report)
            }
        case .disableTarget(let reason):
            try await store.disableTarget(message.target, reason: reason, at: attempt.at)
            report.disabledTargets.append(message.target)
            logger.error("webhook target disabled", metadata: ["target": "\(message.target)", "reason": "\(reason)"])
            try await dead(message, attempts: attempts, reason: reason, now: attempt.at, &report)
        case .permanentFailure(let reason):
            try await dead(message, attempts: attempts, reason: reason, now: attempt.at, &report)
        }
    }

    private func dead(_ message: OutboxMessage, attempts: Int, reason: String, now: Int64,
                      _ report: inout PassReport) async throws {
        try await store.markDead(message, attempts: attempts, reason: reason, at: now)
        report.dead.append(message.messageID)
        logger.error("webhook message dead", metadata: [
            "target": "\(message.target)", "message_id": "\(message.messageID)", "reason": "\(reason)",
        ])
    }
}
