import Foundation
import Synchronization

/// A rate limit on API calls: `rate` tokens per second, at most `burst` saved up. Each
/// caller reserves the next token under the lock, then sleeps on the injected clock until
/// it is due, so waiters are served in order without polling.
public final class TokenBucket: Sendable {
    private struct State {
        /// May go negative: tokens already promised to sleeping callers.
        var tokens: Double
        var updated: Date
    }

    public let rate: Double
    public let burst: Double
    private let clock: any WallClock
    private let state: Mutex<State>

    public init(ratePerSecond rate: Double, burst: Int, clock: any WallClock = SystemWallClock()) {
        precondition(rate > 0 && burst >= 1, "a token bucket needs a positive rate and a burst of at least one")
        self.rate = rate
        self.burst = Double(burst)
        self.clock = clock
        state = Mutex(State(tokens: Double(burst), updated: clock.now()))
    }

    /// Waits until a call is allowed. Throws `CancellationError` (returning the token) if cancelled.
    public func acquire() async throws {
        let (now, wait) = state.withLock { state -> (Date, TimeInterval) in
            // Read under the lock so concurrent callers see time move forward in order.
            let now = clock.now()
            // A wall clock stepped back counts as no time passing, never as a debt.
            let elapsed = max(0, now.timeIntervalSince(state.updated))
            state.tokens = min(burst, state.tokens + elapsed * rate)
            state.updated = now
            state.tokens -= 1
            return (now, state.tokens >= 0 ? 0 : -state.tokens / rate)
        }
        guard wait > 0 else { return }
        do {
            try await clock.sleep(until: now.addingTimeInterval(wait))
        } catch {
            state.withLock { $0.tokens += 1 }
            throw error
        }
    }
}
