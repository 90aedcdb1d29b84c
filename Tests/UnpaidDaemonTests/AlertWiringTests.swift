import Foundation
import Ledger
import Logging
import LoopbackTestSupport
import Testing
import UnpaidCore
@testable import UnpaidDaemon
import Webhooks
import SeededRandomness

/// Snapshot → diff → alert → outbox → loopback receiver, through the real ledger file
/// and the libcurl webhook client.
@Suite struct AlertWiringTests {
    static let base = [usd("A-100", "100.00"), usd("B-50", "50.00"), usd("Y-1", "10", currency: "CNY")]

    func standardTarget(_ url: String, name: String = "finance", sendResolved: Bool = true) -> WebhookTarget {
        WebhookTarget(name: name, format: .standard, url: url + "/hooks/\(name)?token=robot-secret",
                      secret: AlertBench.secret, sendResolved: sendResolved, timeout: AlertBench.receiverTimeout)
    }

    @Test func aChangeProducesExactlyTheExpectedAlert() async throws {
        try await ScriptedReceiver.serving([.init(204)]) { url, receiver in
            let bench = try AlertBench(rules: [changeRule(targets: ["finance"])], targets: [standardTarget(url)])
            defer { bench.removeFiles() }
            let first = try bench.record(Self.base, file: 1)
            #expect(first.queued == 0, "a first snapshot has nothing to compare with")
            bench.time.set(bench.time.now + 3600)
            let second = try bench.record(Self.base + [usd("C-250", "250.25"), usd("D-075", "0.75")], file: 2)
            #expect(second.queued == 1, "USD grew; CNY did not move")

            var rng = SplitMix64(seed: 1)
            let report = try await bench.delivery().pass(using: &rng)
            #expect(report.delivered == 1)
            let requests = await receiver.received
            try #require(requests.count == 1)
            let request = requests[0], data = request.data
            #expect(request.json["type"] as? String == "unpaid.alert.firing")
            #expect(data["rule"] as? String == "grew" && data["currency"] as? String == "USD")
            #expect(data["organization_id"] as? Int == 42 && data["job"] as? String == "daily")
            #expect(data["before_total"] as? String == "150.00" && data["after_total"] as? String == "401.00")
            #expect(data["delta"] as? String == "251.00")
            #expect(data["before_count"] as? Int == 2 && data["after_count"] as? Int == 4)
            #expect(data["new_orders"] as? Int == 2 && data["gone_orders"] as? Int == 0)
            let orders = (data["orders"] as? [[String: Any]] ?? []).compactMap { $0["order_no"] as? String }
            #expect(orders == ["C-250", "D-075"])
            let relative = try #require(data["relative_delta"] as? Double)
            #expect(abs(relative - 251.0 / 150.0) < 1e-12)

            // The id and signature a receiver checks.
            let id = try #require(request.headers["webhook-id"])
            let timestamp = try #require(request.headers["webhook-timestamp"].flatMap { Int64($0) })
            #expect(request.headers["webhook-signature"] == StandardWebhooksSigner.signature(
                key: StandardWebhooksSigner.key(fromSecret: AlertBench.secret)!, messageID: id, timestamp: timestamp,
                body: request.body))

            // The ledger holds the same change, exactly, and the delivery.
            let change = try #require(try bench.ledger.changeRows(in: second.record.id).first)
            #expect((change.beforeSum, change.afterSum, change.delta) == ("150.00", "401.00", "251.00"))
            #expect(change.newOrderNumbers == ["C-250", "D-075"])
            let deliveries = try await bench.ledger.deliveries()
            #expect(deliveries.map(\.status) == [.delivered] && deliveries.first?.messageID == id)
            let alerts = try bench.ledger.alerts(status: .firing)
            #expect(alerts.map(\.state.identity) == [AlertIdentity(rule: "grew", job: "daily", organizationID: 42, currency: "USD")])
        }
    }

    @Test func anUnchangedSnapshotProducesNone() async throws {
        try await ScriptedReceiver.serving([.init(200)]) { url, receiver in
            let rules = [changeRule("moved", on: .anyChange, targets: ["finance"]),
                         AlertRule(name: "ceiling", condition: .ceiling(above: try Money("1000"), resolveAtOrBelow: nil),
                                   targets: ["finance"])]
            let bench = try AlertBench(rules: rules, targets: [standardTarget(url)])
            defer { bench.removeFiles() }
            try bench.record(Self.base, file: 1)
            bench.time.set(bench.time.now + 60)
            let sameOrdersNewFile = try bench.record(Self.base, file: 2)
            bench.time.set(bench.time.now + 60)
            let sameFile = try bench.record(Self.base, file: 2)
            #expect(sameOrdersNewFile.diff?.isEmpty == true && sameFile.diff?.isEmpty == true)
            #expect(sameOrdersNewFile.queued == 0 && sameFile.queued == 0)
            var rng = SplitMix64(seed: 2)
            #expect(try await bench.delivery().pass(using: &rng) == .init())
            #expect(await receiver.received.isEmpty)
            await #expect(try bench.ledger.alerts().isEmpty)
        }
    }

    @Test func aCeilingFiresOnceAndResolvesOnlyWhereWanted() async throws {
        try await ScriptedReceiver.serving([.init(200)]) { url, receiver in
            let rule = AlertRule(name: "ceiling", currencies: ["USD"],
                                 condition: .ceiling(above: try Money("300"), resolveAtOrBelow: try Money("200")),
                                 targets: ["finance", "quiet"])
            let bench = try AlertBench(rules: [rule], targets: [
                standardTarget(url), standardTarget(url, name: "quiet", sendResolved: false)])
            defer { bench.removeFiles() }
            var rng = SplitMix64(seed: 3)
            let delivery = bench.delivery()
            let steps: [(orders: [UnpaidOrder], queued: Int)] = [
                (Self.base + [usd("C", "200")], 2),  // 350 > 300: firing, to both targets
                (Self.base + [usd("C", "150")], 0),  // 300: above the resolve level, still firing, no repeat
                (Self.base + [usd("C", "10")], 1),  // 160 <= 200: resolved, only to the target that wants it
            ]
            for (index, step) in steps.enumerated() {
                bench.time.set(bench.time.now + 600)
                #expect(try bench.record(step.orders, file: index + 1).queued == step.queued, "step \(index)")
                _ = try await delivery.pass(using: &rng)
            }
            let kinds = await receiver.received.map { $0.json["type"] as? String }
            #expect(kinds == ["unpaid.alert.firing", "unpaid.alert.firing", "unpaid.alert.resolved"])
            let alert = try #require(try bench.ledger.alerts(status: .resolved).first)
            #expect(alert.state.resolvedAt == bench.time.now && alert.lastNotification?.kind == .resolved)
        }
    }

    @Test func aFailingReceiverGetsTheSameIDUntilDeliveredOnce() async throws {
        let script: [ScriptedReceiver.Reply] = [.init(503), .init(429, headers: ["Retry-After": "90"]),
                                             .init(200)]
        try await ScriptedReceiver.serving(script) { url, receiver in
            let bench = try AlertBench(rules: [changeRule(targets: ["finance"])], targets: [standardTarget(url)])
            defer { bench.removeFiles() }
            try bench.record(Self.base, file: 1)
            try bench.record(Self.base + [usd("C", "1")], file: 2)
            let delivery = bench.delivery()
            var rng = SplitMix64(seed: 4)
            #expect(try await delivery.pass(using: &rng).retrying == 1)
            let afterFirst = try await #require(try bench.ledger.deliveries().first)
            #expect(afterFirst.attempts == 1 && afterFirst.lastError == "HTTP 503")
            #expect((bench.time.now + 4...bench.time.now + 5).contains(afterFirst.nextAttemptAt))
            #expect(try await delivery.pass(using: &rng) == .init(), "not due yet")

            bench.time.set(afterFirst.nextAttemptAt)
            #expect(try await delivery.pass(using: &rng).retrying == 1)
            let afterSecond = try await #require(try bench.ledger.deliveries().first)
            #expect(afterSecond.nextAttemptAt == bench.time.now + 90, "Retry-After is a floor over the 10 s backoff")

            bench.time.set(afterSecond.nextAttemptAt)
            #expect(try await delivery.pass(using: &rng).delivered == 1)
            bench.time.set(bench.time.now + 86_400)
            #expect(try await delivery.pass(using: &rng) == .init())

            let ids = await receiver.received.map { $0.headers["webhook-id"] }
            #expect(ids.count == 3 && Set(ids).count == 1 && ids[0] == afterFirst.messageID)
            let rows = try await bench.ledger.deliveries()
            #expect(rows.count == 1 && rows[0].status == .delivered && rows[0].attempts == 3)
            #expect(rows[0].finishedAt == afterSecond.nextAttemptAt)
        }
    }

    @Test func gone410DisablesTheTargetAndKeepsItsMessages() async throws {
        try await ScriptedReceiver.serving([.init(410)]) { url, receiver in
            let bench = try AlertBench(rules: [changeRule(on: .anyChange, targets: ["finance"])],
                                       targets: [standardTarget(url)])
            defer { bench.removeFiles() }
            try bench.record(Self.base, file: 1)
            try bench.record(Self.base + [usd("C", "1")], file: 2)
            try bench.record(Self.base, file: 3)
            let delivery = bench.delivery()
            var rng = SplitMix64(seed: 5)
            let report = try await delivery.pass(using: &rng)
            #expect(report.disabledTargets == ["finance"] && report.dead.count == 1)
            #expect(try await delivery.pass(using: &rng) == .init())
            #expect(await receiver.received.count == 1)
            #expect(try bench.ledger.disabledTargets().map(\.target) == ["finance"])
            let rows = try await bench.ledger.deliveries()
            #expect(rows.map(\.status) == [.pending, .dead], "the second waits for the target to be fixed")
            #expect(rows[1].lastError?.contains("410") == true)
        }
    }

    @Test func aMessageOlderThanTheLimitIsMarkedDeadAndListed() async throws {
        try await ScriptedReceiver.serving([.init(500, "upstream down")]) { url, _ in
            let bench = try AlertBench(rules: [changeRule(targets: ["finance"])], targets: [standardTarget(url)],
                                       maxAge: 600)
            defer { bench.removeFiles() }
            try bench.record(Self.base, file: 1)
            try bench.record(Self.base + [usd("C", "1")], file: 2)
            let delivery = bench.delivery()
            var rng = SplitMix64(seed: 6)
            _ = try await delivery.pass(using: &rng)
            bench.time.set(bench.time.now + 599)
            let report = try await delivery.pass(using: &rng)
            #expect(report.dead.count == 1)
            let dead = try await #require(try bench.ledger.deliveries(status: .dead).first)
            #expect(dead.attempts == 2)
            #expect(dead.lastError?.contains("600 s limit") == true && dead.lastError?.contains("upstream down") == true)
        }
    }

    @Test func killedAfterTheSnapshotCommitDeliversAfterRestart() async throws {
        try await ScriptedReceiver.serving([.init(200)]) { url, receiver in
            let rules = [AlertRule(name: "ceiling", currencies: ["USD"],
                                   condition: .ceiling(above: try Money("100"), resolveAtOrBelow: nil), targets: ["finance"])]
            let targets = [standardTarget(url)]
            let directory: URL
            do {
                // The first process records and commits, then dies before any delivery.
                let before = try AlertBench(rules: rules, targets: targets)
                directory = before.directory
                #expect(try before.record(Self.base, file: 1).queued == 1)
            }
            let after = try AlertBench(rules: rules, targets: targets, directory: directory)
            defer { after.removeFiles() }
            // Still above the ceiling: the firing state read back from SQLite means no second alert.
            after.time.set(after.time.now + 3600)
            #expect(try after.record(Self.base, file: 2).queued == 0)
            let report = try await after.delivery().drain(timeout: .zero)
            #expect(report.delivered == 1 && report.stillPending == 0)
            let received = await receiver.received
            #expect(received.count == 1 && received.first?.data["after_total"] as? String == "150.00")
            #expect(try after.ledger.alerts(status: .firing).count == 1)
        }
    }

    @Test func redirectsAreNotFollowed() async throws {
        try await ScriptedReceiver.serving([.init(302, headers: ["Location": "http://127.0.0.1:9/elsewhere"])]) { url, receiver in
            let target = WebhookTarget(name: "moved", format: .alertmanager, url: url + "/old")
            var quiet = Logger(label: "test")
            quiet.logLevel = .critical
            let outcome = await WebhookSender(client: CurlWebhookClient(), logger: quiet)
                .attempt(SampleNotification.make(for: target, now: 1_800_000_000), to: target, now: 1_800_000_000)
            #expect(outcome == .permanentFailure(reason: "HTTP 302"))
            #expect(await receiver.received.count == 1)
        }
    }
}
