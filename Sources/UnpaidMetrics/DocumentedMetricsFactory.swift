import CoreMetrics
import Prometheus

/// swift-metrics' factory over a Prometheus registry that gives every series its help
/// text from `MetricName.help`: swift-metrics has no place for one, and the registry
/// refuses to add it later to a series created without.
struct DocumentedMetricsFactory: MetricsFactory {
    let registry: PrometheusCollectorRegistry
    let durationBuckets: [String: [Duration]]
    let defaultDurationBuckets: [Duration] = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60].map { Duration.seconds($0) }
    let defaultValueBuckets: [Double] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000]
    /// Unregistering is the same whatever the help text; the library's own factory does it.
    private var library: PrometheusMetricsFactory { PrometheusMetricsFactory(registry: registry) }

    private func descriptor(_ label: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: label, unitName: "", helpText: MetricName.help[label] ?? "")
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else { return registry.makeGauge(descriptor: descriptor(label), labels: dimensions) }
        return registry.makeValueHistogram(descriptor: descriptor(label), labels: dimensions, buckets: defaultValueBuckets)
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(descriptor: descriptor(label), labels: dimensions)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        registry.makeDurationHistogram(descriptor: descriptor(label), labels: dimensions,
                                       buckets: durationBuckets[label] ?? defaultDurationBuckets)
    }

    func destroyCounter(_ handler: any CounterHandler) { library.destroyCounter(handler) }
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        library.destroyFloatingPointCounter(handler)
    }
    func destroyRecorder(_ handler: any RecorderHandler) { library.destroyRecorder(handler) }
    func destroyMeter(_ handler: any MeterHandler) { library.destroyMeter(handler) }
    func destroyTimer(_ handler: any TimerHandler) { library.destroyTimer(handler) }
}
