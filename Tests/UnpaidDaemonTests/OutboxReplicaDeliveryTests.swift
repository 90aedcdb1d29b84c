import Foundation
import Ledger
import Logging
import LoopbackTestSupport
import PostgresTestSupport
import Testing
import UnpaidCore
@testable import PostgresLedger
@testable import UnpaidDaemon
import Webhooks

/// Two replicas' delivery services draining one PostgreSQL outbox to a real HTTP receiver:
/// in normal operation every message reaches its target once.
@Suite struct OutboxReplicaDeliveryTests {
    static let logger = Logger(label: "outbox-replica-delivery-tests", factory: { _ in SwiftLogNoOpLogHandler() })

    /// `count` pipeline alerts, each queued for both targets.
    static func queue(_ count: Int, targets: [String], on ledger: PostgresLedger) async throws {
        let identity = AlertIdentity(rule: "stale", job: "daily", organizationID: 42, currency: nil)
        try await ledger.write { connection in
            try await PostgresAlertRows.upsert(AlertState(identity: identity, status: .firing, firingSince: 1_000,
                                                          lastNotifiedAt: 1_000, lastSnapshotID: nil),
                                               on: connection, logger: logger)
            for index in 0..<count {
                var note = AlertNotification(
                    messageID: "stale-\(index)", kind: .firing, identity: identity, condition: "no snapshot for 2h",
                    targets: targets, snapshotID: nil, firingSince: 1_000, createdAt: 1_000, before: nil,
                    after: Total(count: 0, sum: Money(units: 0, scale: 0)), newOrderCount: 0, goneOrderCount: 0,
                    changedOrderCount: 0, highlightedOrders: [])
                note.pipeline = SeriesHealth(job: "daily", organizationID: 42, watchedSince: 900)
                for target in targets {
                    _ = try await PostgresOutboxRows.enqueue(PlannedDelivery(notification: note, target: target),
                                                             at: 1_000, on: connection, logger: logger)
                }
            }
        }
    }

    @Test func twoReplicasDeliverEveryMessageOnceBetweenThem() async throws {
        let location = try await TestPostgresCluster.shared.freshDatabase()
        let environment = try await TestPostgresCluster.shared.environment()
        try await ScriptedReceiver.serving([.init(200)]) { url, receiver in
            let targets = ["ops", "audit"].map {
                WebhookTarget(name: $0, format: .alertmanager, url: "\(url)/\($0)", timeout: AlertBench.receiverTimeout)
            }
            try await PostgresLedger.withLedger(location, environment: environment, logger: Self.logger) { first in
                try await PostgresLedger.withLedger(location, environment: environment, logger: Self.logger) { second in
                    try await Self.queue(60, targets: targets.map(\.name), on: first)
                    // Each replica waits, after its first delivery, for the other's first: on a
                    // loaded machine one could otherwise drain the outbox before the other started.
                    let bothDelivering = Rendezvous(of: 2)
                    let delivered = try await withThrowingTaskGroup(of: Int.self) { group in
                        for ledger in [first, second] {
                            group.addTask {
                                let service = DeliveryService(
                                    store: LedgerOutboxStore(ledger: ledger), sender: WebhookSender(client: CurlWebhookClient(),
                                                                                                   logger: Self.logger),
                                    targets: targets, batchSize: 7, logger: Self.logger)
                                var generator = SystemRandomNumberGenerator()
                                var delivered = 0
                                while !(try await ledger.deliveries(status: .pending, limit: 1).isEmpty) {
                                    let pass = try await service.pass(now: { 2_000 }, using: &generator)
                                    if delivered == 0, pass.delivered > 0 { try await bothDelivering.arriveAndWait() }
                                    delivered += pass.delivered
                                    if pass.delivered == 0 { try await Task.sleep(for: .milliseconds(20)) }
                                }
                                return delivered
                            }
                        }
                        return try await group.reduce(into: []) { $0.append($1) }
                    }
                    #expect(delivered.reduce(0, +) == 120)
                    #expect(delivered.allSatisfy { $0 > 0 }, "both replicas took part: \(delivered)")
                }
            }
            let received = await receiver.received
            let sends = received.map { "\($0.uri) \($0.headers["idempotency-key"] ?? "none")" }
            #expect(sends.count == 120, "one request per message and target")
            #expect(Set(sends).count == 120, "no message reached a target twice")
        }
    }
}
