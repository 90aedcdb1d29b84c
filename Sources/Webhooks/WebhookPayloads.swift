import Foundation
import UnpaidCore

/// The machine-readable alert: the `data` of a Standard Webhooks message.
struct AlertData: Encodable {
    var messageId: String
    var kind: String
    var status: String
    var rule: String
    var condition: String
    var job: String
    var organizationId: Int64
    var currency: String?
    var snapshotId: Int64?
    var firingSince: String
    var beforeTotal: Money?
    var beforeCount: Int?
    /// Nil for an alert about the pipeline, which has no total.
    var afterTotal: Money?
    var afterCount: Int?
    var delta: Money?
    var relativeDelta: Double?
    var newOrders: Int
    var goneOrders: Int
    var changedOrders: Int
    var orders: [Order]
    var reconciliation: ReconciliationData?
    /// For a stale or failing alert: the job and organization's fetch history.
    var pipeline: Pipeline?
    var message: String
    /// The ledger's chain head when the alert was queued (`unpaidd verify --expect-head`).
    var chainHead: ChainHeadData?

    struct ChainHeadData: Encodable {
        var snapshotId: Int64
        var hash: String
    }

    struct Pipeline: Encodable {
        var lastSuccessAt: String?
        var lastSuccessSnapshotId: Int64?
        var watchedSince: String
        var consecutiveFailures: Int
        var lastFailureAt: String?
        var lastError: String?
    }

    struct Order: Encodable {
        var orderNo: String
        var amount: Money
        var startTime: Int64?
    }

    init(_ n: AlertNotification) {
        messageId = n.messageID
        kind = n.kind.rawValue
        status = n.kind == .resolved ? "resolved" : "firing"
        rule = n.identity.rule
        condition = n.condition
        job = n.identity.job
        organizationId = n.identity.organizationID
        currency = n.identity.currency
        snapshotId = n.snapshotID
        firingSince = AlertMessageText.iso8601(n.firingSince)
        beforeTotal = n.before?.sum
        beforeCount = n.before?.count
        afterTotal = n.pipeline == nil ? n.after.sum : nil
        afterCount = n.pipeline == nil ? n.after.count : nil
        delta = n.delta
        relativeDelta = n.relativeDelta
        newOrders = n.newOrderCount
        goneOrders = n.goneOrderCount
        changedOrders = n.changedOrderCount
        orders = n.highlightedOrders.map { Order(orderNo: $0.orderNo, amount: $0.amount, startTime: $0.startTime) }
        reconciliation = n.reconciliation.map(ReconciliationData.init)
        pipeline = n.pipeline.map { health in
            Pipeline(lastSuccessAt: health.lastSuccessAt.map(AlertMessageText.iso8601),
                     lastSuccessSnapshotId: health.lastSuccessSnapshotID,
                     watchedSince: AlertMessageText.iso8601(health.watchedSince),
                     consecutiveFailures: health.consecutiveFailures,
                     lastFailureAt: health.lastFailureAt.map(AlertMessageText.iso8601), lastError: health.lastError)
        }
        message = AlertMessageText.render(n)
        chainHead = n.chainHead.map { ChainHeadData(snapshotId: $0.snapshotID, hash: $0.hash) }
    }
}

struct StandardEnvelope: Encodable {
    var type: String
    var timestamp: String
    var data: AlertData
}

/// Prometheus Alertmanager webhook payload, version 4, carrying one alert.
struct AlertmanagerPayload: Encodable {
    var version = "4"
    var groupKey: String
    var truncatedAlerts = 0
    var status: String
    var receiver: String
    var groupLabels: [String: String]
    var commonLabels: [String: String]
    var commonAnnotations: [String: String]
    var externalURL = ""
    var alerts: [Alert]

    struct Alert: Encodable {
        var status: String
        var labels: [String: String]
        var annotations: [String: String]
        var startsAt: String
        var endsAt: String
        var generatorURL = ""
        var fingerprint: String
    }

    init(_ n: AlertNotification, receiver: String) {
        let alert = Self.alert(n)
        groupKey = "{}:{alertname=\"\(n.identity.rule)\"}"
        status = alert.status
        self.receiver = receiver
        groupLabels = ["alertname": n.identity.rule]
        commonLabels = alert.labels
        commonAnnotations = alert.annotations
        alerts = [alert]
    }

    /// A run's digest as one Alertmanager group: every alert, the labels they share.
    init(_ digest: AlertDigest, receiver: String) {
        alerts = digest.notifications.map(Self.alert)
        let group = digest.runID.map { ["run": String($0)] } ?? ["job": digest.jobs.joined(separator: ",")]
        groupKey = "{}:{" + group.map { "\($0.key)=\"\($0.value)\"" }.joined() + "}"
        status = digest.isFiring ? "firing" : "resolved"
        self.receiver = receiver
        groupLabels = group
        commonLabels = alerts.dropFirst().reduce(alerts[0].labels) { common, alert in
            common.filter { alert.labels[$0.key] == $0.value }
        }
        commonAnnotations = ["summary": DigestText.render(digest).prefix { $0 != "\n" }.description]
    }

    static func alert(_ n: AlertNotification) -> Alert {
        let status = n.kind == .resolved ? "resolved" : "firing"
        var labels = ["alertname": n.identity.rule, "job": n.identity.job,
                      "organization": String(n.identity.organizationID)]
        labels["currency"] = n.identity.currency
        var annotations = ["summary": AlertMessageText.render(n).prefix { $0 != "\n" }.description,
                           "description": AlertMessageText.render(n)]
        if let health = n.pipeline {
            annotations["consecutive_failures"] = String(health.consecutiveFailures)
            annotations["last_success"] = health.lastSuccessAt.map(AlertMessageText.iso8601)
            annotations["last_error"] = health.lastError
        } else {
            annotations["total"] = n.after.sum.description
            annotations["orders"] = String(n.after.count)
        }
        if let delta = n.delta { annotations["delta"] = delta.description }
        if let head = n.chainHead {
            annotations["chain_head"] = head.hash
            annotations["chain_head_snapshot_id"] = String(head.snapshotID)
        }
        // Alertmanager writes the zero time for an alert that has not ended.
        return Alert(status: status, labels: labels, annotations: annotations,
                     startsAt: AlertMessageText.iso8601(n.firingSince),
                     endsAt: n.kind == .resolved ? AlertMessageText.iso8601(n.createdAt) : "0001-01-01T00:00:00Z",
                     fingerprint: n.identity.fingerprint)
    }
}

/// The `data` of a Standard Webhooks digest: the run and every alert of it.
struct DigestData: Encodable {
    var messageId: String
    var runId: Int64?
    var jobs: [String]
    var alertCount: Int
    var alerts: [AlertData]

    init(_ digest: AlertDigest) {
        messageId = digest.messageID
        runId = digest.runID
        jobs = digest.jobs
        alertCount = digest.notifications.count
        alerts = digest.notifications.map(AlertData.init)
    }
}

struct StandardDigestEnvelope: Encodable {
    var type = "unpaid.alert.digest"
    var timestamp: String
    var data: DigestData
}

struct SlackPayload: Encodable { var text: String }

struct FeishuPayload: Encodable {
    var timestamp: String?
    var sign: String?
    var msgType = "text"
    var content: Content
    struct Content: Encodable { var text: String }
}

/// DingTalk and WeCom share this shape.
struct RobotTextPayload: Encodable {
    var msgtype = "text"
    var text: Content
    struct Content: Encodable { var content: String }
}
