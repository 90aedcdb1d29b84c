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
        /// Held until their target's quiet hours end (not attempted, no attempt counted).
        public var held = 0
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
    /// had its messages for this minute, gets nothing more this pass. Each outcome is
    /// recorded as soon as it is known, before the target's next send, so a process
    /// killed mid-pass sends again at most the message that was in flight per target.
    /// A target in its quiet hours gets its messages moved to the end of them, unsent,
    /// except those of critical rules.
    public func pass(now: @escaping @Sendable () -> Int64,
                     using generator: inout some RandomNumberGenerator) async throws -> PassReport {
        let due = try await store.fetchDue(now: now(), limit: batchSize)
        var report = PassReport()
        var byTarget: [String: [OutboxMessage]] = [:]
        var order: [String] = []
        for message in due {
            if targets[message.target] == nil {
                try await dead(message, attempts: message.attempts,
                               reason: "no [[target]] named \"\(message.target)\" in the configuration", now: now(), &report)
            } else {
                if byTarget[message.target] == nil { order.append(message.target) }
                byTarget[message.target, default: []].append(message)
            }
        }
        // Each target draws its retry jitter from its own generator, seeded from the
        // caller's, so targets run concurrently and a seeded pass stays reproducible.
        let rounds = order.map { (messages: byTarget[$0]!, target: targets[$0]!, seed: generator.next() as UInt64) }
        let reports = try await withThrowingTaskGroup(of: PassReport.self) { group in
            for (messages, target, seed) in rounds {
                group.addTask { [self] in
                    var targetGenerator = JitterGenerator(seed: seed)
                    return try await serve(messages, to: target, now: now, using: &targetGenerator)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        for part in reports {
            report.delivered += part.delivered
            report.retrying += part.retrying
            report.paced += part.paced
            report.held += part.held
            report.dead += part.dead
            report.disabledTargets += part.disabledTargets
        }
        return report
    }

    /// What one attempt sends: one row's notification, or for a `group = "run"` target
    /// the digest of a run's rows, which share every outcome.
    private struct Outgoing: Sendable {
        var rows: [OutboxMessage]
        var digest: AlertDigest?

        /// The batch's age counts from its oldest row; a retry follows its most tried one.
        var createdAt: Int64 { rows.map(\.createdAt).min()! }
        var attempts: Int { rows.map(\.attempts).max()! }
        /// A digest with one critical alert goes out whole, quiet hours or not.
        var isCritical: Bool { rows.contains { $0.notification.isCritical } }
    }

    private struct Attempt: Sendable {
        var outgoing: Outgoing
        var outcome: DeliveryOutcome
        var at: Int64
    }

    /// A target's due messages as it receives them: one each, or one digest per run.
    private func outgoing(_ messages: [OutboxMessage], for target: WebhookTarget) async throws -> [Outgoing] {
        guard target.grouping == .perRun else { return messages.map { Outgoing(rows: [$0]) } }
        var sent: Set<String> = []
        var result: [Outgoing] = []
        for message in messages where !sent.contains(message.messageID) {
            let rows = try await store.fetchBatch(of: message)
            let batch = rows.contains { $0.messageID == message.messageID } ? rows : rows + [message]
            sent.formUnion(batch.map(\.messageID))
            result.append(Outgoing(rows: batch, digest: AlertDigest(runID: message.runID, notifications: batch.map(\.notification))))
        }
        return result
    }

    /// One target's share of a pass: send, record, then the next message; messages its
    /// per-minute limit holds back stay due, untouched, for a later pass.
    private func serve(_ messages: [OutboxMessage], to target: WebhookTarget, now: @Sendable () -> Int64,
                       using generator: inout some RandomNumberGenerator) async throws -> PassReport {
        var report = PassReport()
        let queue = try await outgoing(messages, for: target)
        for (index, outgoing) in queue.enumerated() {
            let at = now()
            if !outgoing.isCritical, let until = target.quietHours?.quietUntil(at) {
                for row in outgoing.rows { try await store.hold(row, until: until) }
                report.held += outgoing.rows.count
                continue
            }
            guard pacer.take(target, at: at) else {
                report.paced = queue[index...].map(\.rows.count).reduce(0, +)
                return report
            }
            let outcome = if let digest = outgoing.digest {
                await sender.attempt(digest, to: target, now: at)
            } else {
                await sender.attempt(outgoing.rows[0].notification, to: target, now: at)
            }
            try await record(Attempt(outgoing: outgoing, outcome: outcome, at: at), to: target, &report, using: &generator)
            switch outcome {
            case .delivered, .permanentFailure: continue
            case .retry, .disableTarget: return report
            }
        }
        return report
    }

    private func record(_ attempt: Attempt, to target: WebhookTarget, _ report: inout PassReport,
                        using generator: inout some RandomNumberGenerator) async throws {
        let rows = attempt.outgoing.rows, attempts = attempt.outgoing.attempts + 1
        // Time held by quiet hours was not time spent failing: the age limit skips it.
        let createdAt = attempt.outgoing.createdAt
            + (target.quietHours?.quietSeconds(from: attempt.outgoing.createdAt, to: attempt.at) ?? 0)
        switch attempt.outcome {
        case .delivered:
            for row in rows { try await store.markDelivered(row, at: attempt.at) }
            report.delivered += rows.count
        case .retry(let after, let reason):
            switch schedule.next(afterAttempts: attempts, createdAt: createdAt, now: attempt.at,
                                 retryAfter: after, using: &generator) {
            case .retry(let at):
                for row in rows {
                    try await store.markRetry(row, attempts: attempts, nextAttemptAt: at, lastError: reason)
                }
                report.retrying += rows.count
            case .dead(let why):
                for row in rows {
                    try await dead(row, attempts: attempts, reason: "\(why); last error: \(reason)", now: attempt.at, &report)
                }
            }
        case .disableTarget(let reason):
            let target = rows[0].target
            try await store.disableTarget(target, reason: reason, at: attempt.at)
            report.disabledTargets.append(target)
            logger.error("webhook target disabled", metadata: ["target": "\(target)", "reason": "\(reason)"])
            for row in rows { try await dead(row, attempts: attempts, reason: reason, now: attempt.at, &report) }
        case .permanentFailure(let reason):
            for row in rows { try await dead(row, attempts: attempts, reason: reason, now: attempt.at, &report) }
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
