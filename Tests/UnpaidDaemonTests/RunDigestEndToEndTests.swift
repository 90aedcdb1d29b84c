import BillingSimulator
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Ledger
import Logging
import LoopbackTestSupport
import Testing
import UnpaidCore
@testable import UnpaidDaemon

/// `group = "run"` through the whole pipeline: the simulator's data changes and one
/// organization starts failing; the grouped target gets one message for the run, with
/// the failing alert in it, while the ungrouped one gets a message per alert.
@Suite(.serialized) struct RunDigestEndToEndTests {
    func setOutage(_ simulator: BillingSimulator, organization: Int64) async throws {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(simulator.port)/_sim/outage")!)
        request.httpMethod = "POST"
        request.httpBody = Data(#"{"organization":\#(organization),"down":true}"#.utf8)
        let (_, response) = try await URLSession.shared.data(for: request)
        try #require((response as? HTTPURLResponse)?.statusCode == 200)
    }

    @Test func aRunsChangesAndFailuresReachAGroupedTargetAsOneMessage() async throws {
        try await ScriptedReceiver.serving([.init(200)]) { url, receiver in
            let cloud = try await SimulatedCloud.start(extraConfig: """
                [[target]]
                name = "digest"
                format = "slack"
                url = "\(url)/digest"
                group = "run"
                [[target]]
                name = "each"
                format = "standard"
                url = "\(url)/each"
                secret = "\(AlertBench.secret)"
                [[alert]]
                name = "moved"
                on = "any-change"
                targets = ["digest", "each"]
                [[alert]]
                name = "failing"
                on = "failing"
                after_failures = 1
                organizations = [100003]
                targets = ["digest", "each"]
                """)
            defer { Task { await cloud.stop() } }
            var logger = Logger(label: "e2e-digest")
            logger.logLevel = .critical
            let delivery = AlertDelivery(settings: cloud.configuration.alerts, ledger: cloud.ledger, logger: logger)
            let now = Date()
            #expect(try await cloud.runner.run(cloud.job, scheduledAt: now).status == .succeeded)
            #expect(try await delivery.drain(timeout: .seconds(10)).delivered == 0)

            try await cloud.simulator.setPhase(2)
            try await setOutage(cloud.simulator, organization: 100003)
            let second = try await cloud.runner.run(cloud.job, scheduledAt: now)
            #expect(second.status == .partial)
            var changes = 0
            for snapshot in second.snapshots { changes += try cloud.ledger.changeRows(in: snapshot.id).count }
            #expect(changes >= 2)

            let report = try await delivery.drain(timeout: .seconds(10))
            #expect(report.delivered == 2 * (changes + 1) && report.stillPending == 0)
            let received = await receiver.received
            #expect(received.filter { $0.uri.hasPrefix("/each") }.count == changes + 1)
            let digests = received.filter { $0.uri.hasPrefix("/digest") }
            try #require(digests.count == 1)
            let text = try #require(digests[0].json["text"] as? String)
            let lines = text.split(separator: "\n")
            #expect(lines.first == "[DIGEST] \(changes + 1) alerts · run \(second.runID.rawValue) · job \(cloud.job.name)")
            #expect(lines.filter { $0.hasPrefix("[FIRING] moved · org ") }.count == changes)
            #expect(lines.contains { $0.hasPrefix("[FIRING] failing · org 100003: ") && $0.contains("failed 1 time in a row") })
        }
    }
}
