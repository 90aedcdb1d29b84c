import Foundation
import LoopbackTestSupport
import Synchronization
import Testing
import UnpaidCore
@testable import UnpaidDaemon
import Webhooks

@Suite struct AlertDeliveryLoopTests {
    static let orders = [usd("A", "100.00")]

    func bench(_ url: String) throws -> AlertBench {
        try AlertBench(rules: [changeRule(targets: ["finance"])], targets: [
            WebhookTarget(name: "finance", format: .alertmanager, url: url + "/am", timeout: AlertBench.receiverTimeout)])
    }

    @Test func aBoundedDrainLeavesWhatFailsForNextTime() async throws {
        try await ScriptedReceiver.serving([.init(503), .init(200)]) { url, receiver in
            let bench = try bench(url)
            defer { bench.removeFiles() }
            try bench.record(Self.orders, file: 1)
            try bench.record(Self.orders + [usd("B", "5")], file: 2)
            // The retry is due in about 5 s; a drain with no time left does not wait for it.
            var report = try await bench.delivery().drain(timeout: .zero)
            #expect(report.delivered == 0 && report.retries == 1 && report.stillPending == 1)
            // The next run (the clock has moved on) delivers it, with the same id.
            bench.time.set(bench.time.now + 60)
            report = try await bench.delivery().drain(timeout: .zero)
            #expect(report.delivered == 1 && report.stillPending == 0)
            let keys = await receiver.received.map { $0.headers["idempotency-key"] }
            #expect(keys.count == 2 && keys[0] == keys[1] && keys[0] != nil)
        }
    }

    /// `run --once` on a timer: alerts held back by a robot's messages per minute must
    /// go out within the drain's time, not wait for the next run a day later.
    @Test func aDrainWaitsOutATargetsPerMinuteLimit() async throws {
        try await ScriptedReceiver.serving([.init(200)]) { url, receiver in
            let bench = try AlertBench(rules: [changeRule(targets: ["finance"])], targets: [
                WebhookTarget(name: "finance", format: .alertmanager, url: url + "/am", maxPerMinute: 1)])
            defer { bench.removeFiles() }
            try bench.record(Self.orders, file: 1)
            for file in 2...4 {  // three increases, three notifications
                try bench.record(Self.orders + (2...file).map { usd("B\($0)", "5") }, file: file)
            }
            let clock = SteppingClock(time: bench.time)
            let report = try await bench.delivery().drain(timeout: .seconds(600), clock: clock)
            #expect(report.delivered == 3 && report.stillPending == 0)
            #expect(await receiver.received.count == 3)
            #expect(clock.slept >= .seconds(120), "two minutes for three messages at one a minute")
        }
    }

    @Test func theDaemonLoopDeliversAndStopsWhenCancelled() async throws {
        try await ScriptedReceiver.serving([.init(200)]) { url, receiver in
            let bench = try bench(url)
            defer { bench.removeFiles() }
            try bench.record(Self.orders, file: 1)
            try bench.record(Self.orders + [usd("B", "5")], file: 2)
            let loop = bench.delivery().loop(pollInterval: .milliseconds(20))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await loop.run() }
                var arrivals = receiver.arrivals.makeAsyncIterator()
                #expect(await arrivals.next() == 1)
                group.cancelAll()
                // Cancellation ends the loop without an error.
                try await group.waitForAll()
            }
            // Cancelled while the answer was on its way, the row may still be pending:
            // never lost, delivered by the next drain under the same id.
            let row = try await #require(try bench.ledger.deliveries().first)
            #expect(row.status == .delivered || (row.status == .pending && row.attempts == 1))
            if row.status == .pending {
                bench.time.set(bench.time.now + 60)
                #expect(try await bench.delivery().drain(timeout: .zero).delivered == 1)
            }
            await #expect(try bench.ledger.deliveries().map(\.status) == [.delivered])
        }
    }
}

/// A clock whose sleeps return at once, moving the bench's Unix time by as much.
final class SteppingClock: Clock, Sendable {
    typealias Instant = ContinuousClock.Instant
    private let start = ContinuousClock.now
    private let elapsed = Mutex<Duration>(.zero)
    private let time: TestTime

    init(time: TestTime) { self.time = time }

    var now: Instant { start.advanced(by: elapsed.withLock { $0 }) }
    var minimumResolution: Duration { .nanoseconds(1) }
    var slept: Duration { elapsed.withLock { $0 } }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        let step = max(.zero, now.duration(to: deadline))
        elapsed.withLock { $0 += step }
        time.set(time.now + step.components.seconds)
    }
}
