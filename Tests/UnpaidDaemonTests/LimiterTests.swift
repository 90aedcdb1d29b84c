import Foundation
import Synchronization
import Testing
@testable import UnpaidDaemon

@Suite(.timeLimit(.minutes(10))) struct LimiterTests {
    /// Counts bodies inside the limiter and the most seen at once.
    final class Occupancy: Sendable {
        private let state = Mutex((inside: 0, peak: 0, entered: 0))
        func enter() { state.withLock { $0.inside += 1; $0.entered += 1; $0.peak = max($0.peak, $0.inside) } }
        func leave() { state.withLock { $0.inside -= 1 } }
        var peak: Int { state.withLock { $0.peak } }
        var entered: Int { state.withLock { $0.entered } }
    }

    @Test func concurrencyLimiterNeverLetsMoreThanItsLimitIn() async throws {
        let limiter = ConcurrencyLimiter(limit: 2)
        let occupancy = Occupancy()
        let clock = ManualWallClock(now: instant("2026-11-22T10:00:00Z"))
        // Each body sleeps one (manual) second, so bodies go through in rounds of two, two, one.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 1...5 {
                group.addTask {
                    try await limiter.withPermit {
                        occupancy.enter()
                        defer { occupancy.leave() }
                        try await clock.sleep(until: clock.now().addingTimeInterval(1))
                    }
                }
            }
            for (round, inRound) in [2, 2, 1].enumerated() {
                await clock.waitForSleepers(inRound)
                #expect(limiter.inUse == inRound)
                #expect(occupancy.entered == [2, 4, 5][round])
                clock.advance(by: 1)
            }
            try await group.waitForAll()
        }
        #expect(occupancy.entered == 5)
        #expect(occupancy.peak == 2)
        #expect(limiter.inUse == 0)
    }

    @Test func aCancelledWaiterLeavesWithoutTakingAPermit() async throws {
        let limiter = ConcurrencyLimiter(limit: 1)
        let clock = ManualWallClock(now: instant("2026-11-22T10:00:00Z"))
        let holder = Task {
            try await limiter.withPermit { try await clock.sleep(until: instant("2026-11-22T10:01:00Z")) }
        }
        await clock.waitForSleepers(1)
        let waiter = Task { try await limiter.withPermit { "ran" } }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        clock.advance(to: instant("2026-11-22T10:01:00Z"))
        try await holder.value
        #expect(limiter.inUse == 0)
        #expect(try await limiter.withPermit { "free again" } == "free again")
    }

    @Test func tokenBucketSpendsItsBurstThenPacesCallsAtItsRate() async throws {
        let start = instant("2026-11-22T10:00:00Z")
        let clock = ManualWallClock(now: start)
        let bucket = TokenBucket(ratePerSecond: 2, burst: 2, clock: clock)
        try await bucket.acquire()
        try await bucket.acquire()
        #expect(clock.sleepingUntil.isEmpty, "the burst is spent without waiting")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await bucket.acquire() }
            await clock.waitForSleepers(1)
            group.addTask { try await bucket.acquire() }
            await clock.waitForSleepers(2)
            #expect(clock.sleepingUntil == [start.addingTimeInterval(0.5), start.addingTimeInterval(1.0)])
            clock.advance(to: start.addingTimeInterval(1.0))
            try await group.waitForAll()
        }
        // Idle for ten seconds: the bucket refills only up to its burst.
        clock.advance(to: start.addingTimeInterval(11))
        try await bucket.acquire()
        try await bucket.acquire()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await bucket.acquire() }
            await clock.waitForSleepers(1)
            #expect(clock.sleepingUntil == [start.addingTimeInterval(11.5)])
            clock.advance(to: start.addingTimeInterval(11.5))
            try await group.waitForAll()
        }
    }

    /// The daemon's limit never lets a second see more calls than `api_calls_per_second`:
    /// after an idle spell it does not spend a second's worth at once (with the next
    /// second's, that would be twice the limit within one second).
    @Test func theDaemonsAPILimitSpacesCallsEvenlyEvenAfterAnIdleSpell() async throws {
        let start = instant("2026-11-22T10:00:00Z")
        let clock = ManualWallClock(now: start)
        var settings = DaemonSettings()
        settings.apiCallsPerSecond = 4
        let limit = SharedLimits(settings, clock: clock).apiCalls
        clock.advance(to: start.addingTimeInterval(60))
        try await limit.acquire()
        #expect(clock.sleepingUntil.isEmpty, "the first call goes at once")
        let made = Occupancy()
        var waitedUntil: [Date] = []
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for _ in 1...3 {
                    try await limit.acquire()
                    made.enter()
                }
            }
            // Each call either sleeps (its deadline is noted, then reached) or goes at once.
            while made.entered < 3 {
                if let deadline = clock.sleepingUntil.first {
                    waitedUntil.append(deadline)
                    clock.advance(to: deadline)
                }
                await Task.yield()
            }
            try await group.waitForAll()
        }
        #expect(waitedUntil == [0.25, 0.5, 0.75].map { start.addingTimeInterval(60 + $0) })
    }
}
