import Logging
import Synchronization
import LoopbackTestSupport
import Testing
import UnpaidCore
import Webhooks
import SeededRandomness

/// An in-memory outbox with the contract the ledger's tables keep.
actor MemoryOutbox: OutboxStore {
    struct Row: Sendable {
        var message: OutboxMessage
        var state = "pending"
        var lastError = ""
    }
    private(set) var rows: [Row] = []
    private(set) var disabled: [String: String] = [:]

    func enqueue(_ message: OutboxMessage) {
        guard !rows.contains(where: { $0.message.messageID == message.messageID && $0.message.target == message.target })
        else { return }
        rows.append(Row(message: message))
    }

    func fetchDue(now: Int64, limit: Int) -> [OutboxMessage] {
        Array(rows.filter { $0.state == "pending" && $0.message.nextAttemptAt <= now && disabled[$0.message.target] == nil }
            .map(\.message).sorted { $0.nextAttemptAt < $1.nextAttemptAt }.prefix(limit))
    }

    func fetchBatch(of message: OutboxMessage) -> [OutboxMessage] {
        rows.filter { row in
            row.state == "pending" && row.message.target == message.target
                && (message.runID.map { row.message.runID == $0 }
                    ?? (row.message.runID == nil && row.message.queuedAt == message.queuedAt))
        }.map(\.message)
    }

    private func update(_ message: OutboxMessage, _ change: (inout Row) -> Void) {
        let index = rows.firstIndex { $0.message.messageID == message.messageID && $0.message.target == message.target }!
        change(&rows[index])
    }

    func markDelivered(_ message: OutboxMessage, at: Int64) { update(message) { $0.state = "delivered" } }
    func hold(_ message: OutboxMessage, until: Int64) { update(message) { $0.message.nextAttemptAt = until } }
    func markRetry(_ message: OutboxMessage, attempts: Int, nextAttemptAt: Int64, lastError: String) {
        update(message) { $0.message.attempts = attempts; $0.message.nextAttemptAt = nextAttemptAt; $0.lastError = lastError }
    }
    func markDead(_ message: OutboxMessage, attempts: Int, reason: String, at: Int64) {
        update(message) { $0.state = "dead"; $0.message.attempts = attempts; $0.lastError = reason }
    }
    func disableTarget(_ name: String, reason: String, at: Int64) { disabled[name] = reason }

    func state(_ id: String, _ target: String) -> Row? {
        rows.first { $0.message.messageID == id && $0.message.target == target }
    }
}

/// A clock tests move by hand.
final class ManualClock: Sendable {
    private let value: Mutex<Int64>
    init(_ start: Int64) { value = Mutex(start) }
    var now: Int64 { value.withLock { $0 } }
    func set(_ time: Int64) { value.withLock { $0 = time } }
}

@Suite struct DeliveryServiceTests {
    let logger = Logger(label: "test")

    func service(_ store: MemoryOutbox, _ targets: [WebhookTarget]) -> DeliveryService {
        DeliveryService(store: store, sender: WebhookSender(client: URLSessionWebhookClient(), logger: logger),
                        targets: targets, schedule: RetrySchedule(firstDelay: 5, maxDelay: 3600, maxAge: 86_400, jitter: 0.2),
                        logger: logger)
    }

    @Test func retriesUntilDeliveredWithOneMessageID() async throws {
        try await ScriptedReceiver.serving([.init(503), .init(429, headers: ["Retry-After": "120"]), .init(200)]) { base, receiver in
            let store = MemoryOutbox()
            let target = WebhookTarget(name: "am", format: .alertmanager, url: base + "/hook")
            let clock = ManualClock(1_000)
            await store.enqueue(OutboxMessage(notification: sampleNotification(), target: "am", createdAt: 1_000, nextAttemptAt: 1_000))
            await store.enqueue(OutboxMessage(notification: sampleNotification(), target: "am", createdAt: 1_000, nextAttemptAt: 1_000))
            let delivery = service(store, [target])
            var rng = SplitMix64(seed: 5)
            var report = try await delivery.pass(now: { clock.now }, using: &rng)
            #expect(report.retrying == 1)
            let first = try #require(await store.state("msg_test0001", "am"))
            #expect((1_004...1_005).contains(first.message.nextAttemptAt) && first.lastError == "HTTP 503")
            // Not due yet: nothing is sent.
            #expect(try await delivery.pass(now: { clock.now }, using: &rng) == .init())
            clock.set(first.message.nextAttemptAt)
            report = try await delivery.pass(now: { clock.now }, using: &rng)
            let second = try #require(await store.state("msg_test0001", "am"))
            #expect(report.retrying == 1 && second.message.nextAttemptAt == clock.now + 120)
            clock.set(second.message.nextAttemptAt)
            report = try await delivery.pass(now: { clock.now }, using: &rng)
            let delivered = await store.state("msg_test0001", "am")
            #expect(report.delivered == 1 && delivered?.state == "delivered")
            let ids = await receiver.received.map { $0.headers["idempotency-key"] }
            #expect(ids == Array(repeating: "msg_test0001", count: 3))
        }
    }

    /// A burst of alerts to a chat robot goes out at the robot's pace: the rest waits,
    /// untouched (no attempt counted), for the minute to pass.
    @Test func aTargetGetsAtMostItsMessagesPerMinute() async throws {
        try await ScriptedReceiver.serving([.init(200, #"{"errcode":0,"errmsg":"ok"}"#)]) { base, receiver in
            let store = MemoryOutbox()
            for index in 1...5 {
                await store.enqueue(OutboxMessage(notification: sampleNotification(messageID: "msg_\(index)"),
                                                  target: "robot", createdAt: 0, nextAttemptAt: 0))
            }
            let robot = WebhookTarget(name: "robot", format: .dingtalk, url: base + "/robot/send?access_token=t",
                                      maxPerMinute: 2)
            #expect(WebhookTarget(name: "d", format: .dingtalk, url: base).maxPerMinute == 20)
            #expect(WebhookTarget(name: "s", format: .standard, url: base).maxPerMinute == nil)
            let clock = ManualClock(1_000)
            let delivery = service(store, [robot])
            var rng = SplitMix64(seed: 3)
            var report = try await delivery.pass(now: { clock.now }, using: &rng)
            #expect(report.delivered == 2 && report.paced == 3)
            clock.set(1_059)
            report = try await delivery.pass(now: { clock.now }, using: &rng)
            #expect(report.delivered == 0 && report.paced == 3)
            #expect(await store.state("msg_3", "robot")?.message.attempts == 0)
            clock.set(1_060)
            report = try await delivery.pass(now: { clock.now }, using: &rng)
            #expect(report.delivered == 2 && report.paced == 1)
            clock.set(1_120)
            #expect(try await delivery.pass(now: { clock.now }, using: &rng).delivered == 1)
            #expect(await receiver.received.count == 5)
        }
    }

    /// A process killed mid-pass must not send again what the receiver already accepted:
    /// each outcome is in the store before the target's next message goes out.
    @Test func eachOutcomeIsRecordedBeforeTheTargetsNextSend() async throws {
        let store = MemoryOutbox()
        for index in 1...4 {
            await store.enqueue(OutboxMessage(notification: sampleNotification(messageID: "msg_\(index)"),
                                              target: "am", createdAt: 0, nextAttemptAt: 0))
        }
        let pass = try await ScriptedReceiver.serving([.init(200), .init(200), .init(200, hold: true)]) { base, receiver in
            let delivery = service(store, [WebhookTarget(name: "am", format: .alertmanager, url: base + "/hook")])
            let pass = Task {
                var rng = SplitMix64(seed: 9)
                return try await delivery.pass(now: { 100 }, using: &rng)
            }
            var arrivals = receiver.arrivals.makeAsyncIterator()
            while let count = await arrivals.next(), count < 3 {}
            // The third message is in flight, held by the receiver.
            #expect(await store.state("msg_1", "am")?.state == "delivered")
            #expect(await store.state("msg_2", "am")?.state == "delivered")
            #expect(await store.state("msg_3", "am")?.message.attempts == 0)
            #expect(await store.state("msg_4", "am")?.message.attempts == 0)
            return pass
        }
        // The receiver went away with the third message: it is retried, the fourth waits.
        let report = try await pass.value
        #expect(report.delivered == 2 && report.retrying == 1)
        #expect(await store.state("msg_4", "am")?.state == "pending")
    }

    @Test func goneTargetIsDisabledAndItsMessagesStop() async throws {
        try await ScriptedReceiver.serving([.init(410)]) { base, receiver in
            let store = MemoryOutbox()
            for id in ["msg_a", "msg_b"] {
                await store.enqueue(OutboxMessage(notification: sampleNotification(messageID: id), target: "slack",
                                                  createdAt: 0, nextAttemptAt: 0))
            }
            var rng = SplitMix64(seed: 1)
            let delivery = service(store, [WebhookTarget(name: "slack", format: .slack, url: base + "/x")])
            let report = try await delivery.pass(now: { 10 }, using: &rng)
            #expect(report.disabledTargets == ["slack"] && report.dead == ["msg_a"])
            #expect(await receiver.received.count == 1)
            #expect(await store.disabled["slack"] != nil)
            #expect(try await delivery.pass(now: { 20 }, using: &rng) == .init())  // msg_b waits for a fixed target
        }
    }

    @Test func tooOldMessagesDieAndUnknownTargetsAreReported() async throws {
        try await ScriptedReceiver.serving([.init(500)]) { base, _ in
            let store = MemoryOutbox()
            await store.enqueue(OutboxMessage(notification: sampleNotification(messageID: "msg_old"), target: "am",
                                              createdAt: 0, attempts: 9, nextAttemptAt: 86_399))
            await store.enqueue(OutboxMessage(notification: sampleNotification(messageID: "msg_orphan"), target: "removed",
                                              createdAt: 0, nextAttemptAt: 0))
            var rng = SplitMix64(seed: 1)
            let delivery = service(store, [WebhookTarget(name: "am", format: .alertmanager, url: base + "/x")])
            let report = try await delivery.pass(now: { 86_399 }, using: &rng)
            #expect(Set(report.dead) == ["msg_old", "msg_orphan"])
            let old = await store.state("msg_old", "am"), orphan = await store.state("msg_orphan", "removed")
            #expect(old?.lastError.contains("last error: HTTP 500") == true)
            #expect(orphan?.lastError.contains("no [[target]] named \"removed\"") == true)
        }
    }
}
