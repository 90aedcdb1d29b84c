import Foundation
import Ledger
import LoopbackTestSupport
import Testing
import UnpaidCore
@testable import UnpaidDaemon

/// The real `unpaidd` binary, killed with SIGKILL while its first webhook is in flight:
/// the snapshot and its outbox rows were committed together, so the next run delivers
/// them, under the same message ids, each recorded delivered once.
@Suite(.serialized) struct AlertKillTests {
    /// SwiftPM puts executables beside the test bundle.
    static var executable: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("unpaidd")
    }

    /// Waits until `receiver` got `count` requests. Fails instead of waiting forever when
    /// `process` ends without sending them, or after a generous deadline.
    static func waitForRequests(_ count: Int, at receiver: ScriptedReceiver, from process: Process) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        while await receiver.received.count < count {
            if !process.isRunning {
                try #require(await receiver.received.count >= count,
                             "unpaidd exited (status \(process.terminationStatus)) before sending \(count) requests")
                return
            }
            try #require(ContinuousClock.now < deadline, "no \(count) requests at the receiver within 120 s")
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test func killedBeforeDeliveryDeliversAfterRestart() async throws {
        let binary = Self.executable
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "no \(binary.path): build the package first")
        try await ScriptedReceiver.serving([.init(200, hold: true), .init(200)]) { url, receiver in
            let alerting = """
                [[target]]
                name = "finance"
                format = "alertmanager"
                url = "\(url)/hook/robot-token-123"
                [[alert]]
                name = "owed"
                organizations = [100003]
                above = "0"
                targets = ["finance"]
                """
            let cloud = try await SimulatedCloud.start(extraConfig: alerting)
            defer { Task { await cloud.stop() } }
            let configFile = cloud.directory + "/unpaidd.toml"
            try cloud.configurationText.write(toFile: configFile, atomically: true, encoding: .utf8)

            func start(log: String) throws -> Process {
                let process = Process()
                process.executableURL = binary
                process.arguments = ["run", "--once", "--config", configFile, "--delivery-timeout", "30"]
                process.environment = ["UNPAIDD_TEST_KEY": SimulatedCloud.privateKey]
                _ = FileManager.default.createFile(atPath: log, contents: nil)
                process.standardOutput = FileHandle.nullDevice
                process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
                try process.run()
                return process
            }

            let first = try start(log: cloud.directory + "/first.log")
            try await Self.waitForRequests(1, at: receiver, from: first)
            kill(first.processIdentifier, SIGKILL)
            first.waitUntilExit()
            #expect(first.terminationReason == .uncaughtSignal)

            let queued = try await cloud.ledger.deliveries()
            try #require(!queued.isEmpty)
            #expect(queued.allSatisfy { $0.status == .pending && $0.attempts == 0 })
            let heldID = try #require(await receiver.received.first?.headers["idempotency-key"])

            let second = try start(log: cloud.directory + "/second.log")
            second.waitUntilExit()
            #expect(second.terminationReason == .exit && second.terminationStatus == 0)

            let rows = try await cloud.ledger.deliveries()
            #expect(rows.count == queued.count, "the unchanged second snapshot queued nothing new")
            #expect(rows.allSatisfy { $0.status == .delivered && $0.attempts == 1 })
            let ids = await receiver.received.compactMap { $0.headers["idempotency-key"] }
            #expect(ids.count == queued.count + 1 && ids.filter { $0 == heldID }.count == 2)
            #expect(Set(ids) == Set(queued.map(\.messageID)))
            let logs = try String(contentsOfFile: cloud.directory + "/second.log", encoding: .utf8)
            #expect(!logs.contains("robot-token-123") && !logs.contains(SimulatedCloud.privateKey))
        }
    }

    /// Killed after the receiver accepted some messages of one pass: those were recorded
    /// as they were accepted, so the restart sends again only the one in flight.
    @Test func killedMidPassSendsAgainOnlyTheMessageInFlight() async throws {
        let binary = Self.executable
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "no \(binary.path): build the package first")
        try await ScriptedReceiver.serving([.init(200), .init(200), .init(200), .init(200, hold: true), .init(200)]) { url, receiver in
            let alerting = """
                [[target]]
                name = "finance"
                format = "alertmanager"
                url = "\(url)/hook"
                [[alert]]
                name = "owed"
                above = "0"
                targets = ["finance"]
                """
            let cloud = try await SimulatedCloud.start(organizations: 6, extraConfig: alerting)
            defer { Task { await cloud.stop() } }
            let configFile = cloud.directory + "/unpaidd.toml"
            try cloud.configurationText.write(toFile: configFile, atomically: true, encoding: .utf8)
            func start() throws -> Process {
                let process = Process()
                process.executableURL = binary
                process.arguments = ["run", "--once", "--config", configFile, "--delivery-timeout", "30"]
                process.environment = ["UNPAIDD_TEST_KEY": SimulatedCloud.privateKey]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                return process
            }

            let first = try start()
            try await Self.waitForRequests(4, at: receiver, from: first)
            kill(first.processIdentifier, SIGKILL)
            first.waitUntilExit()
            let queued = try await cloud.ledger.deliveries()
            try #require(queued.count > 4)
            #expect(queued.filter { $0.status == .delivered }.count == 3, "each accepted message recorded at once")

            let second = try start()
            second.waitUntilExit()
            #expect(second.terminationReason == .exit && second.terminationStatus == 0)
            let rows = try await cloud.ledger.deliveries()
            #expect(rows.count == queued.count && rows.allSatisfy { $0.status == .delivered })
            var sends: [String: Int] = [:]
            for request in await receiver.received {
                sends[request.headers["idempotency-key"] ?? "?", default: 0] += 1
            }
            #expect(Set(sends.keys) == Set(queued.map(\.messageID)))
            #expect(sends.values.filter { $0 > 1 } == [2], "only the message in flight is sent twice: \(sends)")
        }
    }
}
