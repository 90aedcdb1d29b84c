import BillingSimulator
import Foundation
import LoopbackTestSupport
import Testing

/// Issue 13 item 4: no secret read from the environment (private key, robot URLs and their
/// tokens, signing secrets) leaves a real `unpaidd` process, at any log level or format,
/// even when a receiver's error body repeats the URL it was called on.
@Suite(.serialized, .enabled(if: BuiltProducts.available, Comment(rawValue: BuiltProducts.missing)))
struct SecretLeakTests {
    static let dingToken = "c0ffee5ecret70ken9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f"
    static let slackPath = ["T0SECRETWS1", "B0SECRETCH2", "xoxSecretPathToken4242abcd"]
    static let signingSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    @Test func noSecretReachesLogsOutputOrTheLedger() async throws {
        let fixture = try await DaemonFixture.start(ordersPerOrganization: 20)
        defer { fixture.stop() }
        let slack = "/services/" + Self.slackPath.joined(separator: "/")
        let echo = "Cannot POST /robot/send?access_token=\(Self.dingToken) (also \(slack))"
        try await ScriptedReceiver.serving([.init(500, echo)]) { base, _ in
            let environment = [
                "UNPAIDD_LEAK_KEY": DaemonFixture.privateKey,
                "UNPAIDD_LEAK_DING": "\(base)/robot/send?access_token=\(Self.dingToken)",
                "UNPAIDD_LEAK_SLACK": base + slack,
                "UNPAIDD_LEAK_SECRET": Self.signingSecret,
            ]
            var text = UnpaiddConfigurationText(apiURL: "http://127.0.0.1:\(fixture.port)", publicKey: DaemonFixture.publicKey,
                                                privateKeySetting: #"private_key_env = "UNPAIDD_LEAK_KEY""#,
                                                directory: fixture.directory, organizations: [100001])
            text.jobKeys = #"schedule = "@every 1s""#
            text.tables = """
                [[target]]
                name = "ding"
                format = "dingtalk"
                url_env = "UNPAIDD_LEAK_DING"
                [[target]]
                name = "slack"
                format = "slack"
                url_env = "UNPAIDD_LEAK_SLACK"
                [[target]]
                name = "standard"
                format = "standard"
                url = "\(base)/hook"
                secret_env = "UNPAIDD_LEAK_SECRET"
                [[alert]]
                name = "unpaid"
                above = "0.01"
                targets = ["ding", "slack", "standard"]
                """
            try text.text.write(toFile: fixture.configPath, atomically: true, encoding: .utf8)
            let secrets = Array(environment.values) + [Self.dingToken, Self.signingSecret] + Self.slackPath
            let unpaidd = BuiltProducts.directory! + "/unpaidd"

            for format in ["text", "json"] {
                for level in ["trace", "debug", "info", "notice", "warning", "error", "critical"] {
                    let once = try ChildProcess(unpaidd, ["run", "--once", "--config", fixture.configPath,
                                                          "--log-level", level, "--log-format", format,
                                                          "--delivery-timeout", "2"],
                                                logPath: fixture.directory + "/once-\(format)-\(level).log",
                                                environment: environment)
                    _ = try await once.exitStatus()
                    Self.expectNoSecret(secrets, in: once.log, "run --once \(level) \(format)")
                }
                let daemon = try ChildProcess(unpaidd, ["run", "--config", fixture.configPath, "--log-level", "trace",
                                                        "--log-format", format],
                                              logPath: fixture.directory + "/daemon-\(format).log", environment: environment)
                try await eventually("a delivery attempt logged by the daemon", timeout: 120) {
                    daemon.log.contains("Cannot POST") || !daemon.process.isRunning
                }
                daemon.signal(SIGTERM)
                #expect(try await daemon.exitStatus() == 0, "\(daemon.log)")
                Self.expectNoSecret(secrets, in: daemon.log, "daemon \(format)")
                #expect(daemon.log.contains("access_token=<token>"), "the error is still told, masked")
            }

            for arguments in [["deliveries"], ["deliveries", "--format", "json"], ["history"], ["alerts", "--state", "all"]] {
                let query = try ChildProcess(unpaidd, arguments + ["--config", fixture.configPath],
                                             logPath: fixture.directory + "/\(arguments.joined(separator: "-")).log",
                                             environment: environment)
                #expect(try await query.exitStatus() == 0, "\(query.log)")
                Self.expectNoSecret(secrets, in: query.log, arguments.joined(separator: " "))
            }
            for file in [fixture.database, fixture.database + "-wal"] {
                let bytes = (try? Data(contentsOf: URL(filePath: file))) ?? Data()
                for secret in secrets {
                    #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(file) holds a secret")
                }
            }
        }
    }

    static func expectNoSecret(_ secrets: [String], in output: String, _ context: String) {
        for secret in secrets where output.contains(secret) {
            Issue.record("\(context): a secret reached the output:\n\(output.prefix(4000))")
        }
    }
}
