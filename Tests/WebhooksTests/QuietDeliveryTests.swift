import Foundation
import Logging
import LoopbackTestSupport
import Testing
import UnpaidCore
import Webhooks
import SeededRandomness

/// Quiet hours on a manual clock against a loopback receiver: held messages are not
/// attempted and arrive when the window ends; critical ones go at once.
@Suite struct QuietDeliveryTests {
    // 2027-01-14 23:00 in Shanghai: inside 22:00-08:00, which ends at 2027-01-15T00:00:00Z.
    let night: Int64 = 1_799_938_800
    let morning: Int64 = 1_799_971_200

    func target(_ base: String, grouping: MessageGrouping = .perAlert) throws -> WebhookTarget {
        WebhookTarget(name: "ops", format: .alertmanager, url: base + "/am", grouping: grouping,
                      quietHours: try QuietHours(hours: "22:00-08:00", days: [],
                                                 timeZone: TimeZone(identifier: "Asia/Shanghai")!))
    }

    func service(_ store: MemoryOutbox, _ target: WebhookTarget) -> DeliveryService {
        DeliveryService(store: store, sender: WebhookSender(client: URLSessionWebhookClient(), logger: Logger(label: "quiet")),
                        targets: [target], schedule: RetrySchedule(firstDelay: 5, maxDelay: 3600, maxAge: 3600, jitter: 0),
                        logger: Logger(label: "quiet"))
    }

    @Test func aMessageDueInQuietHoursIsHeldAndSentWhenTheyEnd() async throws {
        try await ScriptedReceiver.serving([.init(200)]) { base, receiver in
            let store = MemoryOutbox()
            await store.enqueue(OutboxMessage(notification: sampleNotification(messageID: "msg_quiet"), target: "ops",
                                              createdAt: night, nextAttemptAt: night))
            var critical = sampleNotification(messageID: "msg_critical")
            critical.critical = true
            await store.enqueue(OutboxMessage(notification: critical, target: "ops", createdAt: night, nextAttemptAt: night))
            let clock = ManualClock(night)
            let delivery = service(store, try target(base))
            var rng = SplitMix64(seed: 9)

            let first = try await delivery.pass(now: { clock.now }, using: &rng)
            #expect(first.held == 1 && first.delivered == 1)
            #expect(await receiver.received.map { $0.headers["idempotency-key"] } == ["msg_critical"])
            let held = try #require(await store.state("msg_quiet", "ops"))
            #expect(held.state == "pending" && held.message.attempts == 0 && held.message.nextAttemptAt == morning)

            clock.set(morning - 1)
            #expect(try await delivery.pass(now: { clock.now }, using: &rng) == .init(), "not due before the end")
            clock.set(morning)
            #expect(try await delivery.pass(now: { clock.now }, using: &rng).delivered == 1)
            #expect(await receiver.received.map { $0.headers["idempotency-key"] } == ["msg_critical", "msg_quiet"])
            #expect(await store.state("msg_quiet", "ops")?.state == "delivered")
        }
    }

    /// Nine hours held do not count against a one-hour delivery age: a failure right
    /// after the window is retried, not declared dead.
    @Test func timeHeldDoesNotAgeAMessage() async throws {
        try await ScriptedReceiver.serving([.init(503), .init(200)]) { base, receiver in
            let store = MemoryOutbox()
            await store.enqueue(OutboxMessage(notification: sampleNotification(), target: "ops",
                                              createdAt: night, nextAttemptAt: night))
            let clock = ManualClock(night)
            let delivery = service(store, try target(base))
            var rng = SplitMix64(seed: 9)
            #expect(try await delivery.pass(now: { clock.now }, using: &rng).held == 1)
            clock.set(morning)
            #expect(try await delivery.pass(now: { clock.now }, using: &rng).retrying == 1)
            clock.set(morning + 5)
            #expect(try await delivery.pass(now: { clock.now }, using: &rng).delivered == 1)
            #expect(await receiver.received.count == 2)
        }
    }

    @Test func aDigestWithACriticalAlertGoesAtOnce() async throws {
        try await ScriptedReceiver.serving([.init(200)]) { base, receiver in
            let store = MemoryOutbox()
            var critical = sampleNotification(messageID: "msg_b")
            critical.critical = true
            for notification in [sampleNotification(messageID: "msg_a"), critical] {
                await store.enqueue(OutboxMessage(notification: notification, target: "ops", createdAt: night,
                                                  nextAttemptAt: night, runID: 4))
            }
            let clock = ManualClock(night)
            var rng = SplitMix64(seed: 9)
            let report = try await service(store, try target(base, grouping: .perRun)).pass(now: { clock.now }, using: &rng)
            #expect(report.delivered == 2 && report.held == 0)
            #expect(await receiver.received.count == 1)
        }
    }
}
