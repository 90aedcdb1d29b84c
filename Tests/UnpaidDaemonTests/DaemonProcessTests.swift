import Foundation
import Ledger
import SQLiteLedger
import Testing

/// `unpaidd run` as systemd runs it: a real process on a real schedule against the
/// simulator process, stopped with real signals.
@Suite(.serialized, .enabled(if: BuiltProducts.available, Comment(rawValue: BuiltProducts.missing)))
struct DaemonProcessTests {
    @Test func runsOnScheduleAndStopsCleanlyOnSIGTERM() async throws {
        let fixture = try await DaemonFixture.start(ordersPerOrganization: 2_000)
        defer { fixture.stop() }
        try fixture.writeConfig(schedule: "@every 1s")
        let daemon = try fixture.startDaemon()
        try await eventually("the daemon to be ready") { daemon.log.contains("daemon ready") }
        let ledger = try SQLiteLedger(path: fixture.database)
        try await eventually("two successful runs") { try fixture.succeededRuns(ledger) >= 2 }

        let second = try fixture.startDaemon(name: "second")
        #expect(try await second.exitStatus() != 0)
        #expect(second.log.contains("another unpaidd is already running on the ledger \(fixture.database)"), "\(second.log)")
        // A one-shot run (a timer left enabled beside the daemon) is refused the same way.
        let once = try ChildProcess(BuiltProducts.directory! + "/unpaidd", ["run", "--once", "--config", fixture.configPath],
                                    logPath: fixture.directory + "/once.log")
        #expect(try await once.exitStatus() != 0)
        #expect(once.log.contains("another unpaidd is already running"), "\(once.log)")

        // Stop as soon as a run is in flight, so shutdown has something to wait for.
        try await eventually("a run in flight") { try !ledger.runs(status: .running).isEmpty }
        daemon.signal(SIGTERM)
        #expect(try await daemon.exitStatus() == 0, "\(daemon.log)")
        #expect(try ledger.runs(status: .running).isEmpty, "a run was left unfinished")
        let runs = try ledger.runs()
        #expect(runs.allSatisfy { $0.status == .succeeded && $0.finishedAt != nil }, "\(runs)")
        #expect(try ledger.lastFire(job: "mtd") != nil)
        #expect(try ledger.counts().snapshots == runs.count * 2)
        #expect(fixture.spoolFiles().isEmpty, "\(fixture.spoolFiles())")
        #expect(daemon.log.contains("shutting down: no new runs; runs in flight finish"))
        #expect(daemon.log.contains("daemon stopped"))
    }

    @Test func aRunStillGoingWhenTheGracePeriodEndsIsCancelledAndLeftForCatchUp() async throws {
        let fixture = try await DaemonFixture.start()
        defer { fixture.stop() }
        try fixture.writeConfig(schedule: "@every 1s", graceSeconds: 1, maxAttempts: 20)
        // Throttled again and again: the run sits in its retry back-off until cancelled.
        try await fixture.injectFault("throttle", count: 1_000)
        let daemon = try fixture.startDaemon()
        try await eventually("the daemon to be ready") { daemon.log.contains("daemon ready") }
        let ledger = try SQLiteLedger(path: fixture.database)
        try await eventually("a run in flight") { try !ledger.runs(status: .running).isEmpty }
        daemon.signal(SIGTERM)

        #expect(try await daemon.exitStatus() == 0, "\(daemon.log)")
        #expect(daemon.log.contains("shutdown grace period expired: run cancelled"), "\(daemon.log)")
        let runs = try ledger.runs()
        #expect(!runs.isEmpty && runs.allSatisfy { $0.status == .failed && $0.finishedAt != nil }, "\(runs)")
        #expect(try ledger.lastFire(job: "mtd") == nil, "a cancelled fire must stay unrecorded for catch-up")
        #expect(fixture.spoolFiles().isEmpty, "\(fixture.spoolFiles())")
    }

    @Test func aChangeBetweenScheduledRunsIsDeliveredToTheWebhook() async throws {
        let fixture = try await DaemonFixture.start()
        defer { fixture.stop() }
        try fixture.writeConfig(schedule: "@every 1s", tail: """
            [[target]]
            name = "chat"
            format = "slack"
            url = "http://127.0.0.1:\(fixture.port)/_sim/webhooks/chat"
            [[alert]]
            name = "changed"
            on = "any-change"
            targets = ["chat"]
            """)
        let daemon = try fixture.startDaemon()
        try await eventually("the daemon to be ready") { daemon.log.contains("daemon ready") }
        let ledger = try SQLiteLedger(path: fixture.database)
        try await eventually("a first run") { try fixture.succeededRuns(ledger) >= 1 }
        try await fixture.setPhase(2)
        try await eventually("an alert delivered by the daemon's delivery loop") {
            try !ledger.deliveries(status: .delivered).isEmpty
        }
        daemon.signal(SIGTERM)
        #expect(try await daemon.exitStatus() == 0, "\(daemon.log)")
        await #expect(try ledger.deliveries(status: .dead).isEmpty)
    }

    @Test func aBrokenConfigurationOnSIGHUPKeepsTheRunningOne() async throws {
        let fixture = try await DaemonFixture.start()
        defer { fixture.stop() }
        try fixture.writeConfig(schedule: "@every 1s")
        let daemon = try fixture.startDaemon()
        try await eventually("the daemon to be ready") { daemon.log.contains("daemon ready") }
        let ledger = try SQLiteLedger(path: fixture.database)
        try await eventually("a first run") { try fixture.succeededRuns(ledger) >= 1 }

        try fixture.writeConfig(schedule: "0 25 * * *")
        daemon.signal(SIGHUP)
        try await eventually("the reload to be refused") { daemon.log.contains("configuration reload failed") }
        #expect(daemon.log.contains("job[1].schedule"), "\(daemon.log)")
        let before = try fixture.succeededRuns(ledger)
        try await eventually("runs to go on with the old configuration") { try fixture.succeededRuns(ledger) >= before + 2 }

        try fixture.writeConfig(schedule: "@every 1s", extraJob: "catch_up = \"none\"")
        daemon.signal(SIGHUP)
        try await eventually("a valid reload") { daemon.log.contains("configuration reloaded") }
        daemon.signal(SIGTERM)
        #expect(try await daemon.exitStatus() == 0, "\(daemon.log)")
        #expect(try ledger.runs(status: .running).isEmpty)
    }

    @Test func aReloadAddsTargetsRulesAndLimitsWithoutARestart() async throws {
        let fixture = try await DaemonFixture.start()
        defer { fixture.stop() }
        try fixture.writeConfig(schedule: "@every 1s", graceSeconds: 30)
        let daemon = try fixture.startDaemon()
        let ledger = try SQLiteLedger(path: fixture.database)
        try await eventually("a first run") { try fixture.succeededRuns(ledger) >= 1 }

        try fixture.writeConfig(schedule: "@every 1s", graceSeconds: 7, tail: """
            [[target]]
            name = "chat"
            format = "slack"
            url = "http://127.0.0.1:\(fixture.port)/_sim/webhooks/chat"
            [[alert]]
            name = "changed"
            on = "any-change"
            targets = ["chat"]
            """)
        daemon.signal(SIGHUP)
        try await eventually("the reload") { daemon.log.contains("configuration reloaded") }
        let line = try #require(daemon.log.split(separator: "\n").first { $0.contains("configuration reloaded") })
        #expect(line.contains("alert rule changed: added"), "\(line)")
        #expect(line.contains("target chat: added"), "\(line)")
        #expect(line.contains("[daemon] shutdown_grace_seconds: 30.0 -> 7.0"), "\(line)")
        #expect(!daemon.log.contains("take effect on restart"), "\(daemon.log)")

        try await fixture.setPhase(2)
        try await eventually("an alert delivered to the target the reload added") {
            try !ledger.deliveries(status: .delivered).isEmpty
        }
        daemon.signal(SIGTERM)
        #expect(try await daemon.exitStatus() == 0, "\(daemon.log)")
    }

    @Test func tellsSystemdReadyStatusWatchdogAndStopping() async throws {
        let fixture = try await DaemonFixture.start()
        defer { fixture.stop() }
        try fixture.writeConfig(schedule: "@every 1s")
        let socket = try NotifyLog()
        let daemon = try fixture.startDaemon(environment: ["NOTIFY_SOCKET": socket.socket.environmentValue,
                                                          "WATCHDOG_USEC": "400000"])

        try await eventually("READY=1") { socket.received().contains { $0.contains("READY=1") } }
        let ready = try #require(socket.messages.first { $0.contains("READY=1") })
        #expect(ready.contains("STATUS=last: none yet; next: mtd at "), "\(ready)")
        try await eventually("a STATUS= after a run") {
            socket.received().contains { $0.hasPrefix("STATUS=last: mtd ") && $0.contains(" succeeded at ") }
        }
        try await eventually("WATCHDOG=1") { socket.received().contains("WATCHDOG=1") }
        daemon.signal(SIGTERM)
        try await eventually("STOPPING=1") { socket.received().contains("STOPPING=1") }
        #expect(try await daemon.exitStatus() == 0, "\(daemon.log)")
    }
}

/// `unpaidd schedule`, the preview an operator runs before enabling the service.
@Suite(.enabled(if: BuiltProducts.available, Comment(rawValue: BuiltProducts.missing)))
struct ScheduleCommandTests {
    @Test func printsTheNextFiresInTheJobZoneWithThePeriodEachFetches() async throws {
        let directory = "/tmp/unpaidd-schedule-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try """
            timezone = "Asia/Shanghai"
            [api]
            endpoint = "https://api.ucloud.cn"
            public_key = "pub"
            private_key_env = "UNUSED"
            [[job]]
            name = "daily"
            organizations = [1]
            period = "previous-day"
            schedule = "30 6 * * *"
            [[job]]
            name = "adhoc"
            organizations = [1]
            period = "previous-month"
            """.write(toFile: directory + "/unpaidd.toml", atomically: true, encoding: .utf8)
        let command = try ChildProcess(BuiltProducts.directory! + "/unpaidd", [
            "schedule", "--config", directory + "/unpaidd.toml", "--next", "2", "--from", "2026-11-22T12:00",
        ], logPath: directory + "/out.txt")
        #expect(try await command.exitStatus() == 0, "\(command.log)")
        #expect(command.log == """
            job daily: "30 6 * * *" in Asia/Shanghai, period previous-day, catch_up latest
              Next elapse   Mon 2026-11-23 06:30:00 +08:00  fetches 2026-11-22_2026-11-23
              Iteration #2  Tue 2026-11-24 06:30:00 +08:00  fetches 2026-11-23_2026-11-24

            job adhoc: no schedule (runs only with run --once)

            """)
    }
}

/// Every datagram the daemon sent to the notify socket so far.
final class NotifyLog {
    let socket: NotifySocket
    private(set) var messages: [String] = []

    init() throws { socket = try NotifySocket(abstract: false) }

    func received() -> [String] {
        while let message = socket.receive() { messages.append(message) }
        return messages
    }
}
