import BillingSimulator
import Foundation
import Logging
import Testing
@testable import UnpaidDaemon

/// `api.allow_http_loopback` is the one key a loopback simulator needs: it covers the
/// endpoint and the downloads; the old `[download]` spelling still decides for downloads.
@Suite struct LoopbackConfigurationTests {
    func configuration(endpoint: String, api: String = "", download: String = "") throws -> Configuration {
        try Configuration.parse("""
            [api]
            endpoint = "\(endpoint)"
            public_key = "pub"
            private_key_env = "KEY"
            \(api)
            [download]
            allowed_hosts = ["127.0.0.1"]
            \(download)
            [[job]]
            name = "j"
            organizations = [1]
            period = "previous-day"
            """, file: "loopback.toml")
    }

    @Test func theAPIKeyAloneAllowsPlainHTTPForTheEndpointAndTheDownloads() async throws {
        for endpoint in ["http://127.0.0.1:8080/", "http://localhost:9/", "http://[::1]:9/", "http://127.0.0.2/"] {
            let config = try configuration(endpoint: endpoint, api: "allow_http_loopback = true")
            #expect(config.api.allowHTTPLoopback, "\(endpoint)")
            #expect(config.download.allowHTTPLoopback, "\(endpoint)")
        }
    }

    @Test func theDownloadSpellingKeepsItsMeaning() async throws {
        let onlyDownloads = try configuration(endpoint: "https://api.ucloud.cn", download: "allow_http_loopback = true")
        #expect(!onlyDownloads.api.allowHTTPLoopback && onlyDownloads.download.allowHTTPLoopback)
        let both = try configuration(endpoint: "http://127.0.0.1:1/", api: "allow_http_loopback = true",
                                     download: "allow_http_loopback = true")
        #expect(both.download.allowHTTPLoopback)
        let downloadsKeptOnHTTPS = try configuration(endpoint: "http://127.0.0.1:1/", api: "allow_http_loopback = true",
                                                     download: "allow_http_loopback = false")
        #expect(!downloadsKeptOnHTTPS.download.allowHTTPLoopback)
        #expect(try !configuration(endpoint: "https://api.ucloud.cn").download.allowHTTPLoopback)
    }

    @Test func httpsIsStillRequiredForEveryOtherHost() {
        for endpoint in ["http://api.ucloud.cn", "http://10.0.0.1/", "http://127.0.0.1.example.com/"] {
            #expect(throws: ConfigurationError.self, "\(endpoint)") {
                try configuration(endpoint: endpoint, api: "allow_http_loopback = true")
            }
        }
        let withoutTheKey = #expect(throws: ConfigurationError.self) {
            try configuration(endpoint: "http://127.0.0.1:1/")
        }
        #expect(withoutTheKey?.key == "api.endpoint")
        #expect(withoutTheKey?.problem.contains("api.allow_http_loopback = true") == true)
    }

    @Test func aMisplacedOrMisspelledKeyIsStillNamed() {
        let misspelled = #expect(throws: ConfigurationError.self) {
            try configuration(endpoint: "https://api.ucloud.cn", api: "allow_http = true")
        }
        #expect(misspelled?.description.contains("api.allow_http") == true)
        let topLevel = #expect(throws: ConfigurationError.self) {
            try Configuration.parse("allow_http_loopback = true\n[api]\nendpoint = \"https://api.ucloud.cn\"\n"
                                    + "public_key = \"p\"\nprivate_key_env = \"K\"\n"
                                    + "[[job]]\nname = \"j\"\norganizations = [1]\nperiod = \"previous-day\"\n",
                                    file: "t.toml")
        }
        #expect(topLevel?.description.contains("allow_http_loopback") == true)
    }
}

/// The simulator's configuration sets the key once, in `[api]`, and a whole job runs.
@Suite(.serialized) struct LoopbackEndToEndTests {
    @Test func oneKeyIsEnoughAgainstTheLoopbackSimulator() async throws {
        let cloud = try await SimulatedCloud.start(organizations: 2, ordersPerOrganization: 5)
        defer { Task { await cloud.stop() } }
        #expect(cloud.configurationText.components(separatedBy: "allow_http_loopback").count == 2)
        #expect(cloud.simulator.apiURL.hasPrefix("http://127.0.0.1"))
        let summary = try await cloud.runner.run(cloud.job, scheduledAt: Date())
        #expect(summary.status == .succeeded, "\(summary.failures)")
        #expect(summary.snapshots.count == 2)
    }

    @Test func downloadsKeptOnHTTPSRefuseTheSimulatorsPlainHTTPFiles() async throws {
        let cloud = try await SimulatedCloud.start(organizations: 1, ordersPerOrganization: 5)
        defer { Task { await cloud.stop() } }
        let text = cloud.configurationText.replacingOccurrences(
            of: "allowed_hosts = [\"127.0.0.1\"]", with: "allowed_hosts = [\"127.0.0.1\"]\nallow_http_loopback = false")
        let configuration = try Configuration.parse(text, file: "https-downloads.toml",
                                                    environment: ["UNPAIDD_TEST_KEY": SimulatedCloud.privateKey])
        let logger = Logger(label: "loopback") { _ in SwiftLogNoOpLogHandler() }
        let pipeline = ExportPipeline(configuration: configuration, ledger: cloud.ledger,
                                      privateKey: SimulatedCloud.privateKey, logger: logger)
        let summary = try await JobRunner(pipeline: pipeline, logger: logger).run(configuration.jobs[0], scheduledAt: Date())
        #expect(summary.snapshots.isEmpty)
        #expect(summary.failures.first.map { "\($0)".contains("plain http") } == true, "\(summary.failures)")
    }
}
