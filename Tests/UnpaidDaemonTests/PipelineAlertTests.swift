import Foundation
import Ledger
import SQLiteLedger
import Logging
import LoopbackTestSupport
import Testing
import UnpaidCore
@testable import UnpaidDaemon
import Webhooks
import SeededRandomness

/// Stale and failing alerts: the daemon's watch on a manual clock with a loopback
/// receiver, and the real `unpaidd` against the simulator with an organization that
/// starts failing.
@Suite(.serialized) struct PipelineAlertTests {
    static func configuration(receiver url: String, database: String) throws -> Configuration {
        try Configuration.parse("""
            [api]
            endpoint = "https://api.ucloud.cn"
            public_key = "pub"
            private_key_env = "KEY"
            [storage]
            database = "\(database)"
            [[job]]
            name = "daily"
            organizations = [42]
            period = "previous-day"
            schedule = "0 6 * * *"
            [[target]]
            name = "finance"
            format = "standard"
            url = "\(url)/hooks/finance?token=robot-secret"
            secret = "\(AlertBench.secret)"
            [[alert]]
            name = "export-stale"
            on = "stale"
            after = "26h"
            targets = ["finance"]
            [[alert]]
            name = "export-failing"
            on = "failing"
            after_failures = 2
            targets = ["finance"]
            """, file: "pipeline.toml")
    }

    @Test func theWatchFiresStaleOnItsOwnClockAndASuccessResolvesIt() async throws {
        try await ScriptedReceiver.serving([.init(204)]) { url, receiver in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pipeline-\(UUID().uuidString)")
            let configuration = try Self.configuration(receiver: url, database: directory.appendingPathComponent("l.sqlite").path)
            let bench = try AlertBench(rules: configuration.alerts.rules, targets: configuration.alerts.targets,
                                       directory: directory)
            defer { bench.removeFiles() }
            let start = Date(timeIntervalSince1970: TimeInterval(bench.time.now))
            let clock = ManualWallClock(now: start)
            var logger = Logger(label: "pipeline-tests")
            logger.logLevel = .critical
            let watch = PipelineWatch(current: { PipelineAlerts(configuration: configuration, watching: configuration.jobs) },
                                      ledger: bench.ledger, clock: clock, maxInterval: 3_600, logger: logger)
            try bench.record([usd("A", "1")], file: 1)  // the daily job's last success, at `start`
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await watch.run() }
                await clock.waitForSleepers(1)
                #expect(clock.sleepingUntil == [start.addingTimeInterval(3_600)])
                clock.advance(by: 25 * 3_600)
                // The watch sleeps until the exact moment the series turns stale.
                await clock.waitForSleeper(until: start.addingTimeInterval(26 * 3_600))
                let queuedEarly = try await bench.ledger.deliveries()
                #expect(queuedEarly.isEmpty)
                clock.advance(to: start.addingTimeInterval(26 * 3_600))
                await clock.waitForSleeper(until: start.addingTimeInterval(27 * 3_600))
                group.cancelAll()
            }
            let firing = try bench.ledger.alerts(status: .firing)
            #expect(firing.map(\.state.identity) == [AlertIdentity(rule: "export-stale", job: "daily", organizationID: 42,
                                                                  currency: nil)])
            bench.time.set(bench.time.now + 26 * 3_600)
            var rng = SplitMix64(seed: 3)
            #expect(try await bench.delivery().pass(using: &rng).delivered == 1)
            let data = try #require(await receiver.received.last?.data)
            #expect(data["rule"] as? String == "export-stale" && data["currency"] == nil && data["after_total"] == nil)
            let pipeline = try #require(data["pipeline"] as? [String: Any])
            #expect(pipeline["last_success_at"] as? String == start.formatted(.iso8601))
            #expect((data["message"] as? String)?.hasPrefix("[FIRING] export-stale · org 42 · job daily") == true)

            // The next success resolves it, at the run's own evaluation.
            bench.time.set(bench.time.now + 3_600)
            try bench.record([usd("A", "1")], file: 2)
            try await PipelineAlerts(configuration: configuration, watching: configuration.jobs)
                .evaluate(ledger: bench.ledger, now: bench.time.now)
            #expect(try bench.ledger.alerts(status: .firing).isEmpty)
            #expect(try await bench.delivery().pass(using: &rng).delivered == 1)
            #expect(await receiver.received.last?.json["type"] as? String == "unpaid.alert.resolved")
        }
    }

    @Test func failingQuotesTheLastErrorWithEverySecretMasked() async throws {
        try await ScriptedReceiver.serving([.init(204)]) { url, receiver in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pipeline-\(UUID().uuidString)")
            let configuration = try Self.configuration(receiver: url, database: directory.appendingPathComponent("l.sqlite").path)
            let bench = try AlertBench(rules: configuration.alerts.rules, targets: configuration.alerts.targets,
                                       directory: directory)
            defer { bench.removeFiles() }
            let alerts = PipelineAlerts(configuration: configuration, watching: configuration.jobs)
            try await alerts.evaluate(ledger: bench.ledger, now: bench.time.now)
            let raw = """
                download failed: HTTP 403 from https://bucket.ufileos.com/unpaid/x.xlsx?UCloudPublicKey=pub&Signature=SIGabc%2B&Expires=1 \
                (webhook \(url)/hooks/finance?token=robot-secret said no)
                """
            for attempt in 1...2 {
                let run = try bench.ledger.startRun(job: "daily", startedAt: Date())
                try bench.ledger.recordFailure(OrganizationFailure(
                    runID: run, job: "daily", organizationID: 42, failedAt: bench.time.now + Int64(attempt), stage: "fetch",
                    error: FailureText.masked(raw, targets: configuration.alerts.targets)))
                try bench.ledger.finishRun(run, status: .failed, error: "x", finishedAt: Date())
            }
            let queued = try await alerts.evaluate(ledger: bench.ledger, now: bench.time.now + 10)
            #expect(queued.map(\.notification.identity.rule) == ["export-failing"])
            bench.time.set(bench.time.now + 10)
            var rng = SplitMix64(seed: 4)
            #expect(try await bench.delivery().pass(using: &rng).delivered == 1)
            let body = String(decoding: try #require(await receiver.received.last?.body), as: UTF8.self)
            #expect(body.contains("Failed 2 times in a row") && body.contains("https://bucket.ufileos.com/…"))
            for secret in ["SIGabc", "robot-secret", "/unpaid/x.xlsx", "UCloudPublicKey"] {
                #expect(!body.contains(secret), "\(secret) leaked: \(body)")
            }
            let report = await AlertReports.alerts(try bench.ledger.alerts(), timeZone: TimeZone(identifier: "UTC")!).render(.csv)
            #expect(report.contains("export-failing") && report.contains("2 failure(s) in a row") && !report.contains("SIGabc"))
        }
    }

    @Test func theDaemonAlertsWhenAnOrganizationStartsFailingAndStopsArriving() async throws {
        try #require(BuiltProducts.available, "\(BuiltProducts.missing)")
        try await ScriptedReceiver.serving([.init(200)]) { url, receiver in
            let fixture = try await DaemonFixture.start(ordersPerOrganization: 20)
            defer { fixture.stop() }
            try fixture.writeConfig(schedule: "@every 2s", tail: """
                [[target]]
                name = "chat"
                format = "slack"
                url = "\(url)/chat/robot-token-777"
                [[alert]]
                name = "export-stale"
                on = "stale"
                after = "5s"
                organizations = [100002]
                targets = ["chat"]
                [[alert]]
                name = "export-failing"
                on = "failing"
                after_failures = 2
                organizations = [100002]
                targets = ["chat"]
                """)
            let daemon = try fixture.startDaemon()
            defer { daemon.signal(SIGKILL) }
            let ledger = try SQLiteLedger(path: fixture.database)
            try await eventually("a first successful run", timeout: 180) { try fixture.succeededRuns(ledger) >= 1 }
            try await fixture.setOutage(organization: 100002, down: true)
            func texts() async -> [String] {
                await receiver.received.compactMap { $0.json["text"] as? String }
            }
            try await eventually("failing and stale alerts at the receiver", timeout: 90) {
                let sent = try ledger.deliveries(status: .delivered).map(\.notification)
                return Set(sent.filter { $0.kind == .firing }.map(\.identity.rule)) == ["export-stale", "export-failing"]
            }
            let firing = await texts()
            let failing = try #require(firing.first { $0.hasPrefix("[FIRING] export-failing · org 100002") })
            #expect(failing.contains("Last error: fetch:") && failing.contains("230"), "\(failing)")
            #expect(firing.contains { $0.hasPrefix("[FIRING] export-stale · org 100002") })
            #expect(!firing.contains { $0.contains("100001") }, "the healthy organization raises nothing")

            try await fixture.setOutage(organization: 100002, down: false)
            try await eventually("both resolved at the receiver", timeout: 90) {
                let sent = try ledger.deliveries(status: .delivered).map(\.notification)
                return Set(sent.filter { $0.kind == .resolved }.map(\.identity.rule)) == ["export-stale", "export-failing"]
            }
            #expect(try ledger.alerts(status: .firing).isEmpty)
            daemon.signal(SIGTERM)
            #expect(try await daemon.exitStatus() == 0, "\(daemon.log)")
            #expect(!daemon.log.contains("robot-token-777"))
        }
    }
}
