import UnpaidCore

/// What the ledger knows, inside the snapshot's transaction, for alerts to be decided.
public struct AlertingInput: Sendable {
    public var snapshot: SnapshotRecord
    /// The snapshot compared with; nil for the first snapshot of its job and organization.
    public var previousSnapshotID: SnapshotID?
    /// The change since the previous snapshot; nil when there is none.
    public var diff: SnapshotDiff?
    /// The snapshot's totals and the largest orders, collected as the orders were read.
    public var orders: OrderHighlights
    /// The stored alerts of this job and organization.
    public var states: [AlertState]
}

/// One notification for one target, to be put in the outbox.
public struct PlannedDelivery: Sendable, Hashable {
    public var notification: AlertNotification
    public var target: String

    public init(notification: AlertNotification, target: String) {
        self.notification = notification
        self.target = target
    }
}

/// What the alert rules decided about a snapshot: states to store, deliveries to queue.
public struct AlertingPlan: Sendable, Hashable {
    public var states: [AlertState]
    public var deliveries: [PlannedDelivery]
    /// When queued deliveries are first due, Unix seconds.
    public var now: Int64

    public init(states: [AlertState], deliveries: [PlannedDelivery], now: Int64) {
        self.states = states
        self.deliveries = deliveries
        self.now = now
    }

    public static func nothing(at now: Int64) -> AlertingPlan { AlertingPlan(states: [], deliveries: [], now: now) }
}

/// A snapshot recorded together with its change and the alerts it caused.
public struct AlertedSnapshot: Sendable {
    public var record: SnapshotRecord
    public var previousSnapshotID: SnapshotID?
    public var diff: SnapshotDiff?
    public var plan: AlertingPlan
    /// Deliveries actually added: a delivery already in the outbox is not added twice.
    public var queued: Int
}

public enum DeliveryStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case pending, delivered, dead
}

/// One outbox row: a notification on its way to (or finished with) one target.
public struct OutboxEntry: Sendable, Hashable {
    public var id: Int64
    public var notification: AlertNotification
    public var target: String
    public var createdAt: Int64
    public var attempts: Int
    public var nextAttemptAt: Int64
    public var status: DeliveryStatus
    public var lastError: String?
    /// When it was delivered or declared dead.
    public var finishedAt: Int64?
    /// When `deliveries --retry-dead` last sent it back to pending.
    public var requeuedAt: Int64? = nil
    /// The run that queued it; nil for a row queued outside any run (or before v8).
    public var runID: RunID? = nil

    public var messageID: String { notification.messageID }
}

/// A target delivery stopped using, and why.
public struct DisabledTarget: Sendable, Hashable {
    public var target: String
    public var disabledAt: Int64
    public var reason: String
}

/// A stored alert with the last notification it produced, for `unpaidd alerts`.
public struct StoredAlert: Sendable, Hashable {
    public var state: AlertState
    public var lastNotification: AlertNotification?
}

/// The stored change of one snapshot in one currency, with the orders behind it.
public struct StoredChange: Sendable, Hashable {
    public var snapshotID: SnapshotID
    public var previousSnapshotID: SnapshotID
    public var change: CurrencyDiff
}
