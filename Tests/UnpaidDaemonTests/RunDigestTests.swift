import Foundation
import Ledger
import SQLiteLedger
import LoopbackTestSupport
import Testing
import UnpaidCore
@testable import UnpaidDaemon
import Webhooks

extension AlertBench {
    /// One run recording a snapshot per organization, `orders(org)` each: what a job's
    /// run does. The run is left running unless `finish`.
    @discardableResult
    func run(organizations: [Int64], file seed: Int, finish: Bool = true,
             orders: (Int64) -> [UnpaidOrder]) throws -> RunID {
        let at = Date(timeIntervalSince1970: TimeInterval(time.now))
        let run = try ledger.startRun(job: "daily", startedAt: at)
        for (index, organization) in organizations.enumerated() {
            let snapshot = NewSnapshot(
                runID: run, job: "daily", organizationID: organization, window: window, periodLabel: "2026-10",
                fetchedAt: at, fileName: "unpaid-\(seed)-\(index).xlsx", fileSize: 1000,
                sha256: String(repeating: String(format: "%02x", (seed * 16 + index) % 256), count: 32),
                archivePath: "archive/\(seed)-\(index).xlsx")
            let now = time.now
            try ledger.recordSnapshot(
                snapshot, orders: orders(organization),
                highlighting: AlertEvaluator.highlightRequest(rules: settings.rules, now: now),
                alerting: AlertPlanner(settings: settings, now: { now }).plan)
        }
        if finish { try ledger.finishRun(run, status: .succeeded, error: nil, finishedAt: at) }
        return run
    }
}

/// `group = "run"`: one message per run to that target, assembled from the run's outbox
/// rows, which stay the delivery record.
@Suite struct RunDigestTests {
    static let organizations: [Int64] = [101, 102, 103]

    func bench(_ url: String, digestFormat: WebhookFormat = .standard) throws -> AlertBench {
        let digest = WebhookTarget(name: "digest", format: digestFormat, url: url + "/digest",
                                   secret: digestFormat == .standard ? AlertBench.secret : nil,
                                   timeout: AlertBench.receiverTimeout, grouping: .perRun)
        let each = WebhookTarget(name: "each", format: .standard, url: url + "/each", secret: AlertBench.secret,
                                 timeout: AlertBench.receiverTimeout)
        return try AlertBench(rules: [changeRule(targets: ["digest", "each"])], targets: [digest, each])
    }

    func changeThreeOrganizations(_ bench: AlertBench, finish: Bool = true) throws -> RunID {
        try bench.run(organizations: Self.organizations, file: 1) { [usd("A", "100.00", organizationID: $0)] }
        bench.time.set(bench.time.now + 3600)
        return try bench.run(organizations: Self.organizations, file: 2, finish: finish) { organization in
            [usd("A", "100.00", organizationID: organization), usd("B\(organization)", "\(organization).50", organizationID: organization)]
        }
    }

    @Test func aRunChangingThreeOrganizationsSendsOneDigestAndThreeSingleMessages() async throws {
        try await ScriptedReceiver.serving([.init(204)]) { url, receiver in
            let bench = try bench(url)
            defer { bench.removeFiles() }
            let run = try changeThreeOrganizations(bench)
            let report = try await bench.delivery().drain(timeout: .seconds(10))
            #expect(report.delivered == 6 && report.stillPending == 0, "six rows: three per target")

            let received = await receiver.received
            let digests = received.filter { $0.uri.hasPrefix("/digest") }
            #expect(received.filter { $0.uri.hasPrefix("/each") }.count == 3)
            try #require(digests.count == 1)
            let digest = digests[0]
            #expect(digest.json["type"] as? String == "unpaid.alert.digest")
            #expect(digest.data["run_id"] as? Int == Int(run.rawValue) && digest.data["alert_count"] as? Int == 3)
            let alerts = try #require(digest.data["alerts"] as? [[String: Any]])
            #expect(alerts.compactMap { $0["organization_id"] as? Int } == [101, 102, 103])
            #expect(alerts.compactMap { $0["delta"] as? String } == ["101.50", "102.50", "103.50"])
            #expect(alerts.compactMap { $0["before_total"] as? String } == ["100.00", "100.00", "100.00"])
            let key = try #require(StandardWebhooksSigner.key(fromSecret: AlertBench.secret))
            let id = try #require(digest.headers["webhook-id"]), timestamp = try #require(digest.headers["webhook-timestamp"])
            #expect(digest.headers["webhook-signature"] == StandardWebhooksSigner.signature(
                key: key, messageID: id, timestamp: Int64(timestamp)!, body: digest.body))
            // Every row of the digest is marked delivered, with the run it came from.
            let rows = try await bench.ledger.deliveries().filter { $0.target == "digest" }
            #expect(rows.count == 3 && rows.allSatisfy { $0.status == .delivered && $0.runID == run })
        }
    }

    @Test func aGroupedTargetWaitsForItsRunToFinish() async throws {
        try await ScriptedReceiver.serving([.init(204)]) { url, receiver in
            let bench = try bench(url)
            defer { bench.removeFiles() }
            let run = try changeThreeOrganizations(bench, finish: false)
            var rng = SystemRandomNumberGenerator()
            let during = try await bench.delivery().pass(using: &rng)
            #expect(during.delivered == 3, "the ungrouped target hears at once")
            #expect(await receiver.received.allSatisfy { $0.uri.hasPrefix("/each") })
            try bench.ledger.finishRun(run, status: .succeeded, error: nil,
                                      finishedAt: Date(timeIntervalSince1970: TimeInterval(bench.time.now)))
            let after = try await bench.delivery().pass(using: &rng)
            #expect(after.delivered == 3)
            #expect(await receiver.received.filter { $0.uri.hasPrefix("/digest") }.count == 1)
        }
    }

    /// A digest that fails is retried whole, with the same id, also from a new process
    /// (the ledger reopened), since the id comes from the rows.
    @Test func aRetriedDigestKeepsItsIDAcrossARestart() async throws {
        try await ScriptedReceiver.serving([.init(503), .init(503), .init(204)]) { url, receiver in
            let bench = try AlertBench(rules: [changeRule(targets: ["digest"])], targets: [
                WebhookTarget(name: "digest", format: .alertmanager, url: url + "/digest", timeout: AlertBench.receiverTimeout,
                              grouping: .perRun)])
            defer { bench.removeFiles() }
            _ = try changeThreeOrganizations(bench)
            var rng = SystemRandomNumberGenerator()
            let first = try await bench.delivery().pass(using: &rng)
            #expect(first.retrying == 3)
            let rows = try await bench.ledger.deliveries()
            #expect(rows.allSatisfy { $0.attempts == 1 && $0.lastError == "HTTP 503" })
            #expect(Set(rows.map(\.nextAttemptAt)).count == 1, "the rows of a digest retry together")

            bench.time.set(rows[0].nextAttemptAt)
            #expect(try await bench.delivery().pass(using: &rng).retrying == 3)
            let reopened = try SQLiteLedger(path: bench.path)
            await bench.time.set(try #require(try reopened.deliveries().first).nextAttemptAt)
            #expect(try await bench.delivery(ledger: reopened).pass(using: &rng).delivered == 3)

            let received = await receiver.received
            #expect(received.count == 3)
            let keys = Set(received.map { $0.headers["idempotency-key"] ?? "" })
            #expect(keys.count == 1 && keys.first?.hasPrefix("msg_") == true)
            #expect((received[2].json["alerts"] as? [[String: Any]])?.count == 3)
            let runID = try await bench.ledger.deliveries()[0].runID!.rawValue
            #expect(received[2].json["groupKey"] as? String == "{}:{run=\"\(runID)\"}")
        }
    }

    @Test func aChatDigestListsEveryOrganizationOnALine() async throws {
        try await ScriptedReceiver.serving([.init(200, #"{"errcode":0,"errmsg":"ok"}"#)]) { url, receiver in
            let bench = try bench(url, digestFormat: .wecom)
            defer { bench.removeFiles() }
            _ = try changeThreeOrganizations(bench)
            _ = try await bench.delivery().drain(timeout: .seconds(10))
            let digest = try #require(await receiver.received.first { $0.uri.hasPrefix("/digest") })
            let text = try #require((digest.json["text"] as? [String: String])?["content"])
            let lines = text.split(separator: "\n")
            #expect(lines.count == 4 && lines[0].hasPrefix("[DIGEST] 3 alerts · run "))
            #expect(lines[1] == "[FIRING] grew · org 101 · USD: 100.00 → 201.50 (+101.50, +101.5%), orders 1 → 2")
        }
    }
}
