import Crypto

/// What an alert is about: one rule, for one job's snapshots of one organization, in
/// one currency. The job is part of it because two jobs watch different windows, whose
/// totals would otherwise take turns firing and resolving the same alert.
public struct AlertIdentity: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var rule: String
    public var job: String
    public var organizationID: Int64
    /// Nil for an alert about the pipeline itself (stale, failing): it concerns the job
    /// and organization as a whole.
    public var currency: String?

    public init(rule: String, job: String, organizationID: Int64, currency: String?) {
        self.rule = rule
        self.job = job
        self.organizationID = organizationID
        self.currency = currency
    }

    public static func < (lhs: AlertIdentity, rhs: AlertIdentity) -> Bool {
        (lhs.rule, lhs.job, lhs.organizationID, lhs.currency ?? "") < (rhs.rule, rhs.job, rhs.organizationID, rhs.currency ?? "")
    }

    /// A stable text key, for a database column and for fingerprints.
    public var key: String { "\(rule)\u{1F}\(job)\u{1F}\(organizationID)\u{1F}\(currency ?? "")" }

    /// Short hex digest of the key: Alertmanager's `fingerprint`, a grouping key for receivers.
    public var fingerprint: String { Self.hexDigest(key, bytes: 8) }

    public var description: String { "\(rule) [\(job), org \(organizationID)\(currency.map { ", \($0)" } ?? "")]" }

    static func hexDigest(_ text: String, bytes: Int) -> String {
        SHA256.hash(data: Array(text.utf8)).prefix(bytes).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}

/// The persisted lifecycle of one alert, the input and output of `AlertEvaluator`.
public struct AlertState: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable {
        case firing
        case resolved
    }

    public var identity: AlertIdentity
    public var status: Status
    /// When the current (or last) firing episode started, Unix seconds.
    public var firingSince: Int64
    /// When this alert last produced a notification, Unix seconds.
    public var lastNotifiedAt: Int64
    /// When it resolved, for a resolved alert.
    public var resolvedAt: Int64?
    /// The newest snapshot evaluated for this alert: evaluating it again changes nothing.
    /// Nil for an alert about the pipeline, which is evaluated on the clock.
    public var lastSnapshotID: Int64?

    public init(identity: AlertIdentity, status: Status, firingSince: Int64, lastNotifiedAt: Int64,
                resolvedAt: Int64? = nil, lastSnapshotID: Int64?) {
        self.identity = identity
        self.status = status
        self.firingSince = firingSince
        self.lastNotifiedAt = lastNotifiedAt
        self.resolvedAt = resolvedAt
        self.lastSnapshotID = lastSnapshotID
    }
}

/// One thing to tell the targets of a rule.
public struct AlertNotification: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case firing
        /// Still firing after the rule's repeat interval.
        case `repeat`
        case resolved
    }

    /// Derived from the identity, the snapshot and the kind: the same evaluation always
    /// yields the same id, so an outbox keyed by it never holds a duplicate.
    public var messageID: String
    public var kind: Kind
    public var identity: AlertIdentity
    public var condition: String
    public var targets: [String]
    /// The snapshot that caused it; nil for an alert about the pipeline.
    public var snapshotID: Int64?
    public var firingSince: Int64
    /// When it was raised, Unix seconds.
    public var createdAt: Int64
    /// The total before this snapshot; nil on a job's first snapshot.
    public var before: Total?
    public var after: Total
    public var newOrderCount: Int
    /// Orders that left the unpaid list since the previous snapshot (paid or revoked).
    public var goneOrderCount: Int
    public var changedOrderCount: Int
    /// The few orders that explain the notification, largest first: new orders for a
    /// change, the unpaid orders for a ceiling, the overdue ones for an age rule.
    public var highlightedOrders: [OrderAmount]
    /// For `on = "mismatch"`: the export's and `GetOrderAmount`'s figures.
    public var reconciliation: Reconciliation?
    /// The ledger's chain head when the notification was queued, so that every receiver
    /// keeps a copy of it outside the machine; nil in notifications queued before the chain.
    public var chainHead: ChainHead?
    /// For a stale or failing alert: the job and organization's fetch history as it stood
    /// (then `before` is nil and `after` is empty).
    public var pipeline: SeriesHealth?
    /// True when its rule says `critical = true`: quiet hours do not hold it. Nil (not
    /// critical) in notifications queued before rules could say so.
    public var critical: Bool?

    public var isCritical: Bool { critical == true }

    public var delta: Money? { before.map { after.sum - $0.sum } }
    /// `delta / before`, nil on a first snapshot or when the previous total was zero.
    public var relativeDelta: Double? {
        guard let before else { return nil }
        return (after.sum - before.sum).ratio(to: before.sum)
    }

    public init(messageID: String, kind: Kind, identity: AlertIdentity, condition: String, targets: [String],
                snapshotID: Int64?, firingSince: Int64, createdAt: Int64, before: Total?, after: Total,
                newOrderCount: Int, goneOrderCount: Int, changedOrderCount: Int, highlightedOrders: [OrderAmount],
                reconciliation: Reconciliation? = nil,
                chainHead: ChainHead? = nil, pipeline: SeriesHealth? = nil) {
        self.messageID = messageID
        self.kind = kind
        self.identity = identity
        self.condition = condition
        self.targets = targets
        self.snapshotID = snapshotID
        self.firingSince = firingSince
        self.createdAt = createdAt
        self.before = before
        self.after = after
        self.newOrderCount = newOrderCount
        self.goneOrderCount = goneOrderCount
        self.changedOrderCount = changedOrderCount
        self.highlightedOrders = highlightedOrders
        self.reconciliation = reconciliation
        self.chainHead = chainHead
        self.pipeline = pipeline
    }

    static func messageID(identity: AlertIdentity, snapshotID: Int64, kind: Kind) -> String {
        "msg_" + AlertIdentity.hexDigest("\(identity.key)\u{1F}\(snapshotID)\u{1F}\(kind.rawValue)", bytes: 16)
    }
}
