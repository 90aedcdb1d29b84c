import Synchronization

/// Keeps each target under its `maxPerMinute`: chat robots throttle a sender that goes
/// faster (DingTalk then refuses a robot's messages for ten minutes), so a burst of
/// alerts waits its turn instead of being refused and retried.
///
/// A sliding window of the last minute's sends per target, in memory: after a restart
/// the first minute may go as fast as the limit again, never faster.
final class TargetPacer: Sendable {
    private let sends = Mutex<[String: [Int64]]>([:])

    /// True, and the send counted, when `target` may send at `now` (Unix seconds).
    func take(_ target: WebhookTarget, at now: Int64) -> Bool {
        guard let limit = target.maxPerMinute else { return true }
        return sends.withLock { sends in
            var recent = sends[target.name, default: []]
            recent.removeAll { $0 <= now - 60 }
            guard recent.count < limit else {
                sends[target.name] = recent
                return false
            }
            recent.append(now)
            sends[target.name] = recent
            return true
        }
    }
}
