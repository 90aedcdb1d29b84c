import Foundation
import Ledger
import Logging
import LoopbackTestSupport
import Testing
@testable import UnpaidDaemon

/// `unpaidd deliveries --retry-dead` as an operator runs it: messages a broken receiver
/// let die go back to pending under the same ids, and the fixed receiver gets them.
@Suite(.serialized, .enabled(if: BuiltProducts.available, Comment(rawValue: BuiltProducts.missing)))
struct RetryDeadProcessTests {
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// One `unpaidd` command, stdout and stderr kept apart.
    static func unpaidd(_ arguments: [String], in directory: String) async throws -> Outcome {
        let process = Process()
        process.executableURL = URL(filePath: BuiltProducts.directory! + "/unpaidd")
        process.arguments = arguments
        process.environment = ["UNPAIDD_TEST_KEY": SimulatedCloud.privateKey]
        let name = UUID().uuidString.prefix(8)
        let (out, err) = (directory + "/\(name).out", directory + "/\(name).err")
        for path in [out, err] { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        process.standardOutput = FileHandle(forWritingAtPath: out)
        process.standardError = FileHandle(forWritingAtPath: err)
        try process.run()
        try await eventually("unpaidd \(arguments.first ?? "") to exit", timeout: 90) { !process.isRunning }
        return Outcome(status: process.terminationStatus,
                       stdout: try String(contentsOfFile: out, encoding: .utf8),
                       stderr: try String(contentsOfFile: err, encoding: .utf8))
    }

    static func alerting(_ url: String) -> String {
        """
        [[target]]
        name = "finance"
        format = "alertmanager"
        url = "\(url)/hook/robot-token-123"
        [[alert]]
        name = "owed"
        above = "0"
        targets = ["finance"]
        [delivery]
        max_age_seconds = 60
        """
    }

    @Test func deadMessagesGoBackToPendingAndReachTheFixedReceiverUnderTheSameIDs() async throws {
        try await ScriptedReceiver.serving([.init(500, "upstream down")]) { brokenURL, broken in
            let cloud = try await SimulatedCloud.start(organizations: 2, ordersPerOrganization: 5,
                                                       extraConfig: Self.alerting(brokenURL))
            defer { Task { await cloud.stop() } }
            let configFile = cloud.directory + "/unpaidd.toml"
            try cloud.configurationText.write(toFile: configFile, atomically: true, encoding: .utf8)

            // A real run queues one alert per organization and currency; the receiver answers 500.
            let first = try await Self.unpaidd(["run", "--once", "--config", configFile, "--delivery-timeout", "1"],
                                               in: cloud.directory)
            #expect(first.status == 0, "\(first.stderr)")
            let queued = try await cloud.ledger.deliveries()
            try #require(queued.count >= 2 && queued.allSatisfy { $0.status == .pending }, "\(queued)")

            // The receiver stays broken past max_age: on a clock an hour ahead, they die.
            let later = Int64(Date().timeIntervalSince1970) + 3_600
            let delivery = AlertDelivery(settings: cloud.configuration.alerts, ledger: cloud.ledger,
                                         logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() },
                                         now: { later })
            var generator = SystemRandomNumberGenerator()
            for _ in queued {
                _ = try await delivery.pass(using: &generator)
            }
            let dead = try await cloud.ledger.deliveries(status: .dead)
            try #require(dead.count == queued.count, "\(dead)")
            let attemptsWhileBroken = await broken.received.count
            #expect(attemptsWhileBroken >= queued.count)

            // Narrowed to nothing: said so, nothing changes.
            let tooLate = try await Self.unpaidd(["deliveries", "--config", configFile, "--retry-dead",
                                                  "--since", "\(later + 86_400)"], in: cloud.directory)
            #expect(tooLate.status == 0, "\(tooLate.stderr)")
            #expect(tooLate.stderr.contains("no dead deliveries to requeue"), "\(tooLate.stderr)")
            await #expect(try cloud.ledger.deliveries(status: .dead).count == queued.count)

            // A target the configuration does not know is an error naming it.
            let unknown = try await Self.unpaidd(["deliveries", "--config", configFile, "--retry-dead",
                                                  "--target", "nobody"], in: cloud.directory)
            #expect(unknown.status != 0)
            #expect(unknown.stderr.contains("no target named \"nobody\"") && unknown.stderr.contains("finance"),
                    "\(unknown.stderr)")
            let withoutFlag = try await Self.unpaidd(["deliveries", "--config", configFile, "--target", "finance"],
                                                     in: cloud.directory)
            #expect(withoutFlag.status != 0 && withoutFlag.stderr.contains("--retry-dead"), "\(withoutFlag.stderr)")

            // The requeue: a count per target on stderr, the listing on stdout.
            let today = ISO8601DateFormatter.string(from: Date(), timeZone: cloud.configuration.timeZone,
                                                    formatOptions: [.withFullDate, .withDashSeparatorInDate])
            let retry = try await Self.unpaidd(["deliveries", "--config", configFile, "--retry-dead",
                                                "--target", "finance", "--since", today], in: cloud.directory)
            #expect(retry.status == 0, "\(retry.stderr)")
            #expect(retry.stderr.contains("target \"finance\": \(queued.count) dead deliveries back to pending, same message ids"),
                    "\(retry.stderr)")
            #expect(retry.stdout.contains("pending") && !retry.stdout.contains("dead"), "\(retry.stdout)")
            #expect(!retry.stdout.contains("robot-token-123") && !retry.stderr.contains("robot-token-123"))
            let requeued = try await cloud.ledger.deliveries()
            #expect(requeued.allSatisfy { $0.status == .pending })
            #expect(Set(requeued.map(\.id)) == Set(queued.map(\.id)))

            // The receiver is fixed (a new URL); the next run delivers the very same messages.
            try await ScriptedReceiver.serving([.init(200)]) { fixedURL, fixed in
                try cloud.configurationText.replacingOccurrences(of: brokenURL, with: fixedURL)
                    .write(toFile: configFile, atomically: true, encoding: .utf8)
                let second = try await Self.unpaidd(["run", "--once", "--config", configFile], in: cloud.directory)
                #expect(second.status == 0, "\(second.stderr)")
                let ids = await fixed.received.compactMap { $0.headers["idempotency-key"] }
                #expect(Set(ids) == Set(queued.map(\.messageID)) && ids.count == queued.count, "\(ids)")
                let rows = try await cloud.ledger.deliveries()
                #expect(rows.count == queued.count && rows.allSatisfy { $0.status == .delivered }, "\(rows)")
            }
        }
    }
}
