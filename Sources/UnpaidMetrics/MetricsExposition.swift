import CoreMetrics
import Foundation
import Ledger
import Prometheus
import Synchronization

/// One process's metrics in the Prometheus text format.
///
/// Two kinds of series end up in one registry: what the adapters count as it happens
/// (API requests, bytes, rows, runs, deliveries, durations), reported through
/// swift-metrics so that no adapter knows the backend; and what the ledger already knows
/// (unpaid totals, last success, outbox backlog), read at each scrape so the figures are
/// right from the first scrape after a restart instead of after the next run.
///
/// ```swift
/// let exposition = MetricsExposition.process(ledger: ledger, version: "0.1.0")
/// let text = await exposition.scrape()   // what GET /metrics answers
/// ```
public final class MetricsExposition: Sendable {
    public let registry: PrometheusCollectorRegistry
    let ledgerGauges: LedgerGauges

    /// An exposition over its own registry; swift-metrics instruments only reach it
    /// through `factory`.
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), ledger: any Ledger, version: String) {
        self.registry = registry
        ledgerGauges = LedgerGauges(registry: registry, ledger: ledger)
        registry.gauge(MetricName.buildInfo, labels: [("version", version)]).set(to: 1)
    }

    /// The swift-metrics factory writing into this exposition's registry, with histogram
    /// buckets that fit unpaidd's durations (a run takes seconds to many minutes).
    public var factory: any MetricsFactory {
        DocumentedMetricsFactory(registry: registry, durationBuckets: [
            MetricName.runDuration: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600].map { Duration.seconds($0) },
            MetricName.snapshotDuration: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300].map { Duration.seconds($0) },
        ])
    }

    /// The process-wide exposition: swift-metrics has one global factory per process, so
    /// the first caller bootstraps it and later callers (a test running two daemons)
    /// share that registry.
    public static func process(ledger: any Ledger, version: String) -> MetricsExposition {
        processBootstrap.withLock { existing in
            if let existing { return existing }
            let exposition = MetricsExposition(ledger: ledger, version: version)
            MetricsSystem.bootstrap(exposition.factory)
            existing = exposition
            return exposition
        }
    }
    private static let processBootstrap = Mutex<MetricsExposition?>(nil)

    /// The exposition text: ledger gauges refreshed first. A ledger that cannot be read
    /// leaves its gauges at their last values and says so in `unpaidd_ledger_readable`.
    public func scrape() async -> [UInt8] {
        await ledgerGauges.refresh()
        return registry.emitToBuffer()
    }

    /// Healthy while the ledger answers: the daemon cannot record anything without it.
    public func health() async -> (healthy: Bool, text: String) {
        do {
            _ = try await ledgerGauges.ledger.counts()
            return (true, "ok\n")
        } catch {
            return (false, "ledger unreadable: \(error)\n")
        }
    }
}
