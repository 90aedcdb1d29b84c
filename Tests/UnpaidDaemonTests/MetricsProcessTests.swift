import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Ledger
import SQLiteLedger
import Testing

/// The real daemon with `[metrics] listen`, scraped over loopback while it runs jobs
/// against the simulator, and the scrape checked by Prometheus' own `promtool`.
@Suite(.serialized, .enabled(if: BuiltProducts.available, Comment(rawValue: BuiltProducts.missing)))
struct MetricsProcessTests {
    @Test func aScrapeOfTheRunningDaemonPassesPromtoolAndMatchesTheLedger() async throws {
        let fixture = try await DaemonFixture.start()
        defer { fixture.stop() }
        try fixture.writeConfig(tail: "[metrics]\nlisten = \"127.0.0.1:0\"")
        let daemon = try fixture.startDaemon()
        defer { daemon.signal(SIGKILL) }
        let ledger = try SQLiteLedger(path: fixture.database)
        try await eventually("two succeeded runs") { try fixture.succeededRuns(ledger) >= 2 }
        let port = try #require(Self.metricsPort(in: daemon.log), "no 'metrics listening' line in:\n\(daemon.log)")

        let (health, healthStatus) = try await Self.get("http://127.0.0.1:\(port)/healthz")
        #expect(healthStatus == 200)
        #expect(health == "ok\n")
        let (scrape, status) = try await Self.get("http://127.0.0.1:\(port)/metrics")
        #expect(status == 200)

        for (job, organization) in [("mtd", 100001), ("mtd", 100002)] {
            let snapshot = try #require(try ledger.latestSnapshot(job: job, organizationID: Int64(organization)))
            for (currency, total) in snapshot.totals {
                let labels = #"job="\#(job)",organization="\#(organization)",currency="\#(currency)""#
                let amount = try #require(Self.value(of: "unpaidd_unpaid_amount{\(labels)}", in: scrape))
                #expect(amount == Double(total.sum.description), "\(labels)")
                #expect(Self.value(of: "unpaidd_unpaid_orders{\(labels)}", in: scrape) == Double(total.count))
            }
        }
        #expect(try #require(Self.value(of: #"unpaidd_runs_total{job="mtd",status="succeeded"}"#, in: scrape)) >= 2)
        #expect(try #require(Self.value(
            of: #"unpaidd_api_requests_total{action="DownloadListUnpaidOrders",outcome="ret_code_0"}"#, in: scrape)) >= 4)
        #expect(try #require(Self.value(of: "unpaidd_downloaded_bytes_total", in: scrape)) > 0)
        #expect(try #require(Self.value(of: "unpaidd_rows_read_total", in: scrape)) > 0)
        #expect(scrape.contains(#"unpaidd_run_duration_seconds_count{job="mtd"}"#))
        #expect(scrape.contains(#"unpaidd_snapshot_duration_seconds_bucket{job="mtd",le="+Inf"}"#))
        #expect(scrape.contains(#"unpaidd_last_attempt_timestamp_seconds{job="mtd",organization="100001"}"#))
        #expect(scrape.contains(#"unpaidd_last_success_timestamp_seconds{job="mtd",organization="100002"}"#))
        #expect(scrape.contains(#"unpaidd_build_info{version=""#))

        let verdict = try Self.promtoolCheckMetrics(scrape, in: fixture.directory)
        #expect(verdict.status == 0, "promtool check metrics:\n\(verdict.output)")
        daemon.signal(SIGTERM)
        #expect(try await daemon.exitStatus() == 0)
    }

    @Test func aMetricsListenerThatCannotBindStopsTheDaemonWithTheAddress() async throws {
        let fixture = try await DaemonFixture.start()
        defer { fixture.stop() }
        // The simulator already listens on its port: a second listener there cannot bind.
        try fixture.writeConfig(tail: "[metrics]\nlisten = \"127.0.0.1:\(fixture.port)\"")
        let daemon = try fixture.startDaemon()
        defer { daemon.signal(SIGKILL) }
        #expect(try await daemon.exitStatus() != 0)
        #expect(daemon.log.contains("metrics.listen: cannot serve /metrics on 127.0.0.1:\(fixture.port)"), "\(daemon.log)")
    }

    static func metricsPort(in log: String) -> Int? {
        guard let line = log.split(separator: "\n").first(where: { $0.contains("metrics listening") }),
              let range = line.range(of: #"port="?[0-9]+"#, options: .regularExpression) else { return nil }
        return Int(line[range].filter(\.isNumber))
    }

    /// The sample value of the series written exactly as `series` (name and labels).
    static func value(of series: String, in scrape: String) -> Double? {
        scrape.split(separator: "\n").lazy
            .compactMap { line -> Double? in
                guard line.hasPrefix(series + " ") else { return nil }
                return Double(line.dropFirst(series.count + 1))
            }.first
    }

    static func get(_ url: String) async throws -> (String, Int) {
        let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
        return (String(decoding: data, as: UTF8.self), (response as? HTTPURLResponse)?.statusCode ?? 0)
    }

    static func promtoolCheckMetrics(_ scrape: String, in directory: String) throws -> (status: Int32, output: String) {
        let input = directory + "/scrape.txt", output = directory + "/promtool.txt"
        try scrape.write(toFile: input, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(filePath: "/bin/sh")
        process.arguments = ["-c", "promtool check metrics < '\(input)' > '\(output)' 2>&1"]
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, (try? String(contentsOfFile: output, encoding: .utf8)) ?? "")
    }
}
