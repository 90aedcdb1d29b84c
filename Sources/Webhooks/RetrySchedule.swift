/// When to try an undelivered message again, and when to give up on it.
///
/// Exponential backoff from `firstDelay`, doubling up to `maxDelay`, with up to `jitter`
/// of each delay removed at random so many messages that failed together do not retry
/// together. A receiver's Retry-After is a floor. A message not delivered within
/// `maxAge` of its creation is dead (defaults follow Standard Webhooks: about three days).
public struct RetrySchedule: Sendable, Hashable {
    public var firstDelay: Int64
    public var maxDelay: Int64
    public var maxAge: Int64
    /// Fraction of each delay that may be removed at random, 0...1.
    public var jitter: Double

    public init(firstDelay: Int64 = 5, maxDelay: Int64 = 6 * 3600, maxAge: Int64 = 3 * 86_400, jitter: Double = 0.2) {
        precondition(firstDelay > 0 && maxDelay >= firstDelay && maxAge > 0 && (0...1).contains(jitter),
                     "RetrySchedule needs 0 < firstDelay <= maxDelay, maxAge > 0 and jitter in 0...1")
        self.firstDelay = firstDelay
        self.maxDelay = maxDelay
        self.maxAge = maxAge
        self.jitter = jitter
    }

    public enum Decision: Sendable, Hashable {
        case retry(at: Int64)
        case dead(reason: String)
    }

    /// The decision after `attempts` failed attempts (1 after the first), all times in Unix seconds.
    public func next(afterAttempts attempts: Int, createdAt: Int64, now: Int64, retryAfter: Int64?,
                     using generator: inout some RandomNumberGenerator) -> Decision {
        let base = delay(afterAttempts: attempts)
        let removable = Int64((Double(base) * jitter).rounded(.down))
        let jittered = base - (removable > 0 ? Int64.random(in: 0...removable, using: &generator) : 0)
        let at = now + max(jittered, retryAfter ?? 0)
        let deadline = createdAt + maxAge
        guard at <= deadline else {
            return .dead(reason: "not delivered after \(attempts) attempts over \(now - createdAt) s; "
                + "the next one would be past the \(maxAge) s limit")
        }
        return .retry(at: at)
    }

    /// The delay before jitter: `firstDelay * 2^(attempts-1)`, capped at `maxDelay`.
    public func delay(afterAttempts attempts: Int) -> Int64 {
        var delay = firstDelay
        for _ in 1..<max(1, attempts) {
            guard delay < maxDelay else { break }
            delay *= 2
        }
        return min(delay, maxDelay)
    }
}
