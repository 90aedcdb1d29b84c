import BillingSimulator
import Foundation
import Ledger
import Logging
import LoopbackTestSupport
import Testing
import UnpaidCore
@testable import UnpaidDaemon

/// Issue 4 end to end: the simulator's data changes between two runs, the pipeline records
/// the change and its alerts, and delivery reaches a loopback receiver once per change.
@Suite(.serialized) struct AlertEndToEndTests {
    @Test func aRunAfterADataChangeAlertsExactlyTheChangedOrganizations() async throws {
        try await ScriptedReceiver.serving([.init(200)]) { url, receiver in
            let cloud = try await SimulatedCloud.start(extraConfig: """
                [[target]]
                name = "finance"
                format = "standard"
                url = "\(url)/hook"
                secret = "\(AlertBench.secret)"
                [[alert]]
                name = "moved"
                on = "any-change"
                targets = ["finance"]
                """)
            defer { Task { await cloud.stop() } }
            var logger = Logger(label: "e2e-alerts")
            logger.logLevel = .critical
            let delivery = AlertDelivery(settings: cloud.configuration.alerts, ledger: cloud.ledger, logger: logger)
            let now = Date()

            let first = try await cloud.runner.run(cloud.job, scheduledAt: now)
            #expect(first.status == .succeeded, "\(first.failures)")
            #expect(try await delivery.drain(timeout: .seconds(10)).delivered == 0, "nothing to compare with yet")

            try await cloud.simulator.setPhase(2)
            let second = try await cloud.runner.run(cloud.job, scheduledAt: now)
            #expect(second.status == .succeeded, "\(second.failures)")
            var expected: [String: String] = [:]  // "org currency" -> delta
            for snapshot in second.snapshots {
                for change in try cloud.ledger.changeRows(in: snapshot.id) {
                    expected["\(snapshot.organizationID) \(change.currency)"] = change.delta
                }
            }
            #expect(expected.keys.contains { $0.hasPrefix("100002 ") } && expected.keys.contains { $0.hasPrefix("100004 ") })
            #expect(!expected.keys.contains { $0.hasPrefix("100003 ") }, "100003 never changes")

            let report = try await delivery.drain(timeout: .seconds(10))
            #expect(report.delivered == expected.count && report.stillPending == 0)
            var received: [String: String] = [:]
            for request in await receiver.received {
                let data = request.data
                received["\(data["organization_id"] as? Int ?? 0) \(data["currency"] as? String ?? "")"] =
                    data["delta"] as? String
            }
            #expect(received == expected)

            // The next run over unchanged data resolves each alert, once; the one after is quiet.
            _ = try await cloud.runner.run(cloud.job, scheduledAt: now)
            #expect(try await delivery.drain(timeout: .seconds(10)).delivered == expected.count)
            _ = try await cloud.runner.run(cloud.job, scheduledAt: now)
            #expect(try await delivery.drain(timeout: .seconds(10)).delivered == 0)
            let types = await receiver.received.map { $0.json["type"] as? String ?? "" }
            #expect(types == Array(repeating: "unpaid.alert.firing", count: expected.count)
                + Array(repeating: "unpaid.alert.resolved", count: expected.count))
            #expect(try cloud.ledger.alerts(status: .firing).isEmpty)
            #expect(try cloud.ledger.alerts(status: .resolved).count == expected.count)
        }
    }
}
