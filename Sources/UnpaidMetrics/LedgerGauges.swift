import Foundation
import Ledger
import Prometheus
import Synchronization

/// Gauges whose truth is in the ledger, set again at every scrape.
///
/// A series that disappears from the ledger's answer (an outbox status drained to zero)
/// is set to 0 rather than left at its last value; organizations dropped from the
/// configuration keep their last snapshot, which is still the ledger's latest word on them.
final class LedgerGauges: Sendable {
    let ledger: any Ledger
    private let registry: PrometheusCollectorRegistry
    private let outboxSeen = Mutex<Set<[String]>>([])

    init(registry: PrometheusCollectorRegistry, ledger: any Ledger) {
        self.registry = registry
        self.ledger = ledger
    }

    func refresh() async {
        let readable = registry.gauge(MetricName.ledgerReadable)
        do {
            try await refreshSnapshots()
            try await refreshOutbox()
            readable.set(to: 1)
        } catch {
            readable.set(to: 0)
        }
    }

    private func refreshSnapshots() async throws {
        for snapshot in try await ledger.latestSnapshotOfEverySeries() {
            let series = [("job", snapshot.job), ("organization", String(snapshot.organizationID))]
            registry.gauge(MetricName.lastSuccess, labels: series)
                .set(to: snapshot.fetchedAt.timeIntervalSince1970)
            for (currency, total) in snapshot.totals {
                let labels = series + [("currency", currency)]
                // Exact decimals become a float here: Prometheus has no other number type.
                // The ledger and `unpaidd history` keep the exact figure.
                registry.gauge(MetricName.unpaidAmount, labels: labels)
                    .set(to: Double(total.sum.description) ?? .nan)
                registry.gauge(MetricName.unpaidOrders, labels: labels)
                    .set(to: Double(total.count))
            }
        }
    }

    private func refreshOutbox() async throws {
        let counts = try await ledger.outboxCounts()
        let now = Set(counts.map { [$0.target, $0.status.rawValue] })
        let vanished = outboxSeen.withLock { seen in
            defer { seen.formUnion(now) }
            return seen.subtracting(now)
        }
        let gauges = counts.map { ([$0.target, $0.status.rawValue], Double($0.count)) } + vanished.map { ($0, 0.0) }
        for (key, value) in gauges {
            registry.gauge(MetricName.outboxMessages, labels: [("target", key[0]), ("status", key[1])])
                .set(to: value)
        }
    }
}

extension PrometheusCollectorRegistry {
    /// The gauge `name` with `labels` and its help text, created on first use (the registry
    /// returns the same one after).
    func gauge(_ name: String, labels: [(String, String)] = []) -> Gauge {
        makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: MetricName.help[name] ?? ""),
                  labels: labels)
    }
}
