import Foundation
import Ledger
import LedgerTestSupport
import UnpaidCore

/// A few snapshots to queue outbox rows against, recorded alike on every backend so their
/// ids and runs match: one per finished run, oldest first, then one in a run left running.
enum OutboxHistory {
    static func record(on fixture: LedgerFixture, snapshots count: Int = 3) async throws -> [SnapshotRecord] {
        var snapshots: [SnapshotRecord] = []
        for index in 0..<count {
            let run = try await fixture.startRun(minute: index * 10)
            let at = LedgerFixture.base + Double(index) * 600
            let orders = [UnpaidOrder(orderNo: "O\(index)", organizationID: 42, currency: "USD",
                                      totalPrice: Money(units: Int128(100 + index), scale: 2), startTime: nil,
                                      productCode: nil, resourceID: "r", modelID: nil)]
            snapshots.append(try await fixture.ledger.recordSnapshot(fixture.snapshot(run: run, shaSeed: index, at: at),
                                                                     orders: orders) { _ in .nothing(at: 0) }.record)
            if index < count - 1 {
                try await fixture.ledger.finishRun(run, status: .succeeded, error: nil, finishedAt: at + 5)
            }
        }
        return snapshots
    }
}

/// A delivery and the instant alert evaluation queued it at.
struct QueuedDelivery: Sendable {
    var delivery: PlannedDelivery
    var at: Int64

    init(_ notification: AlertNotification, to target: String, at: Int64) {
        delivery = PlannedDelivery(notification: notification, target: target)
        self.at = at
    }
}

extension RunRecorder {
    /// Queues `deliveries` as later alerting does (organization 42's monthly series), the
    /// states first, one transaction per instant in the order given.
    /// - Returns: how many rows were added.
    func queue(states: [AlertState], _ deliveries: [QueuedDelivery]) async throws -> Int {
        var added = try await recordAlerts(job: "monthly", organizationID: 42) { _ in
            AlertingPlan(states: states, deliveries: [], now: 0)
        }
        var remaining = deliveries[...]
        while let at = remaining.first?.at {
            let batch = remaining.prefix { $0.at == at }
            remaining = remaining.dropFirst(batch.count)
            added += try await recordAlerts(job: "monthly", organizationID: 42) { _ in
                AlertingPlan(states: [], deliveries: batch.map(\.delivery), now: at)
            }
        }
        return added
    }
}

/// Notifications and states as alert evaluation makes them.
enum OutboxSamples {
    static func identity(_ rule: String, currency: String? = "USD") -> AlertIdentity {
        AlertIdentity(rule: rule, job: "monthly", organizationID: 42, currency: currency)
    }

    /// About snapshot `snapshotID` (a change alert), or about the pipeline when nil.
    static func notification(_ messageID: String, rule: String = "grew", snapshotID: Int64?, kind: AlertNotification.Kind = .firing,
                             createdAt: Int64 = 1_000) -> AlertNotification {
        var note = AlertNotification(
            messageID: messageID, kind: kind, identity: identity(rule, currency: snapshotID == nil ? nil : "USD"),
            condition: "on = increase", targets: ["ops"], snapshotID: snapshotID, firingSince: 1_000, createdAt: createdAt,
            before: Total(count: 1, sum: try! Money("10.00")), after: Total(count: 2, sum: try! Money("25.50")),
            newOrderCount: 1, goneOrderCount: 0, changedOrderCount: 0, highlightedOrders: [])
        if snapshotID == nil {
            note.pipeline = SeriesHealth(job: "monthly", organizationID: 42, watchedSince: 900, lastSuccessAt: nil,
                                         lastSuccessSnapshotID: nil, consecutiveFailures: 3, lastFailureAt: 990,
                                         lastError: "download: HTTP 503")
        }
        return note
    }

    static func state(_ rule: String, snapshotID: Int64?, status: AlertState.Status = .firing,
                      notifiedAt: Int64 = 1_000) -> AlertState {
        AlertState(identity: identity(rule, currency: snapshotID == nil ? nil : "USD"), status: status,
                   firingSince: 1_000, lastNotifiedAt: notifiedAt, resolvedAt: status == .resolved ? notifiedAt : nil,
                   lastSnapshotID: snapshotID)
    }
}
