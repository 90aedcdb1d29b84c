import Crypto
import UnpaidCore

/// One message carrying every alert a run raised, for a `group = "run"` target.
///
/// Assembled at delivery time from the run's outbox rows, which stay the delivery
/// record. Its id is derived from theirs, so a retry, or a resend after a crash, of
/// the same rows carries the same id.
public struct AlertDigest: Sendable, Hashable {
    public var messageID: String
    /// Nil for alerts raised outside a run (by the daemon's clock).
    public var runID: Int64?
    /// Ordered by job, organization, currency and rule, the way people scan a list.
    public var notifications: [AlertNotification]
    /// When the newest of its alerts was raised, Unix seconds.
    public var createdAt: Int64

    public init(runID: Int64?, notifications: [AlertNotification]) {
        precondition(!notifications.isEmpty, "a digest lists at least one alert")
        self.runID = runID
        self.notifications = notifications.sorted { a, b in
            let (x, y) = (a.identity, b.identity)
            return (x.job, x.organizationID, x.currency ?? "", x.rule, a.messageID)
                < (y.job, y.organizationID, y.currency ?? "", y.rule, b.messageID)
        }
        createdAt = notifications.map(\.createdAt).max()!
        messageID = Self.messageID(of: notifications.map(\.messageID))
    }

    /// `msg_` and 32 hex digits of a hash over the sorted ids of its alerts.
    static func messageID(of ids: [String]) -> String {
        let digest = SHA256.hash(data: Array(("digest\u{1F}" + ids.sorted().joined(separator: "\u{1F}")).utf8))
        return "msg_" + digest.prefix(16).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    public var jobs: [String] { Array(Set(notifications.map(\.identity.job))).sorted() }

    /// Firing when any alert in it is (Alertmanager's reading of a group).
    public var isFiring: Bool { notifications.contains { $0.kind != .resolved } }
}
