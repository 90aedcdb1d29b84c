import CoreMetrics
import Foundation
import Ledger
import SQLiteLedger
import Prometheus
import Testing
import UnpaidCore
@testable import UnpaidMetrics

@Suite struct MetricsExpositionTests {
    @Test func aScrapeShowsTheLedgersLatestTotalsPerJobOrganizationAndCurrency() async throws {
        let ledger = try TemporaryLedger()
        defer { ledger.remove() }
        let run = try ledger.ledger.startRun(job: "daily", startedAt: Date(timeIntervalSince1970: 1_700_000_000))
        try ledger.record(run: run, job: "daily", organization: 100001, orders: [
            ("o-1", "CNY", "12.50"), ("o-2", "CNY", "0.25"), ("o-3", "USD", "3"),
        ])
        let exposition = MetricsExposition(ledger: ledger.ledger, version: "9.9.9")
        let text = await String(decoding: exposition.scrape(), as: UTF8.self)

        #expect(text.contains(#"unpaidd_unpaid_amount{job="daily",organization="100001",currency="CNY"} 12.75"#))
        #expect(text.contains(#"unpaidd_unpaid_orders{job="daily",organization="100001",currency="CNY"} 2"#))
        #expect(text.contains(#"unpaidd_unpaid_amount{job="daily",organization="100001",currency="USD"} 3"#))
        #expect(text.contains(#"unpaidd_last_success_timestamp_seconds{job="daily",organization="100001"} 1700000100"#))
        #expect(text.contains(#"unpaidd_build_info{version="9.9.9"} 1"#))
        #expect(text.contains("unpaidd_ledger_readable 1"))
        await #expect(exposition.health().healthy)
    }

    @Test func instrumentsReportedThroughSwiftMetricsLandInTheSameScrape() async throws {
        let ledger = try TemporaryLedger()
        defer { ledger.remove() }
        let exposition = MetricsExposition(ledger: ledger.ledger, version: "1")
        let factory = exposition.factory
        Counter(label: MetricName.runs, dimensions: [("job", "daily"), ("status", "succeeded")], factory: factory)
            .increment(by: 2)
        CoreMetrics.Timer(label: MetricName.runDuration, dimensions: [("job", "daily")], factory: factory)
            .record(Duration.milliseconds(1_500))
        let text = await String(decoding: exposition.scrape(), as: UTF8.self)

        #expect(text.contains(#"unpaidd_runs_total{job="daily",status="succeeded"} 2"#))
        #expect(text.contains(#"unpaidd_run_duration_seconds_bucket{job="daily",le="2.5"} 1"#))
        #expect(text.contains(#"unpaidd_run_duration_seconds_bucket{job="daily",le="1.0"} 0"#))
        #expect(text.contains(#"unpaidd_run_duration_seconds_sum{job="daily"} 1.5"#))
    }
}

/// A ledger file in a fresh temporary folder.
struct TemporaryLedger {
    let folder: URL
    let ledger: SQLiteLedger

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("unpaidd-metrics-\(UUID().uuidString)")
        ledger = try SQLiteLedger(path: folder.appendingPathComponent("ledger.sqlite").path)
    }

    func record(run: RunID, job: String, organization: Int64, orders: [(String, String, String)]) throws {
        let unpaid = try orders.map { number, currency, amount in
            UnpaidOrder(orderNo: number, organizationID: organization, currency: currency, totalPrice: try Money(amount),
                        startTime: nil, productCode: nil, resourceID: nil, modelID: nil)
        }
        try ledger.recordSnapshot(
            NewSnapshot(runID: run, job: job, organizationID: organization,
                        window: try BillingWindow(start: 1_699_000_000, end: 1_699_086_400), periodLabel: "2023-11-03",
                        fetchedAt: Date(timeIntervalSince1970: 1_700_000_100), fileName: "unpaid.xlsx", fileSize: 10,
                        sha256: String(repeating: "a", count: 64), archivePath: "/archive/unpaid.xlsx"),
            orders: unpaid)
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }
}
