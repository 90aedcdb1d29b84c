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

    package init(snapshot: SnapshotRecord, previousSnapshotID: SnapshotID? = nil, diff: SnapshotDiff? = nil,
                 orders: OrderHighlights, states: [AlertState]) {
        self.snapshot = snapshot
        self.previousSnapshotID = previousSnapshotID
        self.diff = diff
        self.orders = orders
        self.states = states
    }
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

    package init(record: SnapshotRecord, previousSnapshotID: SnapshotID? = nil, diff: SnapshotDiff? = nil,
                 plan: AlertingPlan, queued: Int) {
        self.record = record
        self.previousSnapshotID = previousSnapshotID
        self.diff = diff
        self.plan = plan
        self.queued = queued
    }
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

    package init(id: Int64, notification: AlertNotification, target: String, createdAt: Int64, attempts: Int,
                 nextAttemptAt: Int64, status: DeliveryStatus, lastError: String? = nil, finishedAt: Int64? = nil,
                 requeuedAt: Int64? = nil, runID: RunID? = nil) {
        self.id = id
        self.notification = notification
        self.target = target
        self.createdAt = createdAt
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.status = status
        self.lastError = lastError
        self.finishedAt = finishedAt
        self.requeuedAt = requeuedAt
        self.runID = runID
    }

    public var messageID: String { notification.messageID }
}

/// A target delivery stopped using, and why.
public struct DisabledTarget: Sendable, Hashable {
    public var target: String
    public var disabledAt: Int64
    public var reason: String

    package init(target: String, disabledAt: Int64, reason: String) {
        self.target = target
        self.disabledAt = disabledAt
        self.reason = reason
    }
}

/// A stored alert with the last notification it produced, for `unpaidd alerts`.
public struct StoredAlert: Sendable, Hashable {
    public var state: AlertState
    public var lastNotification: AlertNotification?

    package init(state: AlertState, lastNotification: AlertNotification? = nil) {
        self.state = state
        self.lastNotification = lastNotification
    }
}

/// The stored change of one snapshot in one currency, with the orders behind it.
public struct StoredChange: Sendable, Hashable {
    public var snapshotID: SnapshotID
    public var previousSnapshotID: SnapshotID
    public var change: CurrencyDiff

    package init(snapshotID: SnapshotID, previousSnapshotID: SnapshotID, change: CurrencyDiff) {
        self.snapshotID = snapshotID
        self.previousSnapshotID = previousSnapshotID
        self.change = change
    }
}

/// One currency's change as the `snapshot_change` tables hold it; amounts are the stored text.
public struct ChangeRow: Sendable, Hashable {
    public var currency: String
    public var beforeCount: Int
    public var beforeSum: String
    public var afterCount: Int
    public var afterSum: String
    public var delta: String
    public var relativeDelta: Double?
    public var newOrderNumbers: [String]
    public var goneOrderNumbers: [String]
    public var changedOrderNumbers: [String]

    package init(currency: String, beforeCount: Int, beforeSum: String, afterCount: Int, afterSum: String,
                 delta: String, relativeDelta: Double? = nil, newOrderNumbers: [String], goneOrderNumbers: [String],
                 changedOrderNumbers: [String]) {
        self.currency = currency
        self.beforeCount = beforeCount
        self.beforeSum = beforeSum
        self.afterCount = afterCount
        self.afterSum = afterSum
        self.delta = delta
        self.relativeDelta = relativeDelta
        self.newOrderNumbers = newOrderNumbers
        self.goneOrderNumbers = goneOrderNumbers
        self.changedOrderNumbers = changedOrderNumbers
    }
}

/// How many outbox messages one target has in one status.
public struct OutboxCount: Sendable, Hashable {
    public var target: String
    public var status: DeliveryStatus
    public var count: Int

    package init(target: String, status: DeliveryStatus, count: Int) {
        self.target = target
        self.status = status
        self.count = count
    }
}
