import ArgumentParser
import BillingSimulator
import Foundation
import Ledger
import SQLiteLedger
import Logging
import UnpaidDaemon
import XLSXReader

/// One job over many organizations against the in-process simulator: signed API calls,
/// downloads over loopback, parse, archive and ledger, end to end.
struct PipelineBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "Run one job of many organizations against the loopback simulator.")

    @Option(help: "Organizations in the job.")
    var organizations = 200

    @Option(help: "Unpaid orders per organization.")
    var orders = 5_000

    @Option(help: "Organizations fetched at once.")
    var concurrency = 4

    @Flag(inversion: .prefixedNo, help: "Reconcile each export with GetOrderAmount (two more API calls per organization).")
    var reconcile = true

    func run() async throws {
        let publicKey = "bench-public-key"
        let privateKey = "bench-private-key-0123456789"
        let directory = FileManager.default.temporaryDirectory.appending(path: "unpaidd-bench-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        print("pipeline benchmark: \(organizations) organizations x \(orders) orders, \(concurrency) at once, reconcile \(reconcile) (load average \(ProcessMeasurement.loadAverage))")

        let simulator = try await BillingSimulator.start(configuration: SimulatorConfiguration(
            credentials: [publicKey: privateKey], organizationCount: organizations, ordersPerOrganization: orders))
        var text = UnpaiddConfigurationText(apiURL: simulator.apiURL, publicKey: publicKey,
                                            privateKeySetting: #"private_key_env = "UNPAIDD_BENCH_KEY""#,
                                            directory: directory, organizations: simulator.catalog.organizationIDs)
        text.jobName = "bench"
        let configuration = try Configuration.parse(text.text, file: "bench.toml", environment: ["UNPAIDD_BENCH_KEY": privateKey])
        let ledger = try SQLiteLedger(path: configuration.storage.database)
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        let pipeline = ExportPipeline(configuration: configuration, ledger: ledger, privateKey: privateKey, logger: logger)
        let runner = JobRunner(pipeline: pipeline, maxConcurrentOrganizations: concurrency, logger: logger)

        ProcessMeasurement.resetPeakResident()
        let clock = ContinuousClock()
        let start = clock.now
        var job = configuration.jobs[0]
        job.reconcile = reconcile
        let summary = try await runner.run(job, scheduledAt: Date())
        let seconds = (clock.now - start).seconds
        let peak = ProcessMeasurement.peakResidentText
        let counters = await simulator.counters()
        await simulator.stop()

        let apiCalls = counters.apiCalls.values.reduce(0, +)
        let ordersRead = summary.snapshots.reduce(0) { $0 + $1.orderCount }
        print("status          \(summary.status), \(summary.snapshots.count) snapshots, \(summary.failures.count) failures")
        for failure in summary.failures.prefix(3) { print("  failure: \(failure)") }
        print("orders          \(ordersRead)")
        print("wall            \(format(seconds)) s")
        print("API calls       \(apiCalls)  (\(format(Double(apiCalls) / seconds))/s), downloads \(counters.downloadsServed)")
        for (action, calls) in counters.apiCalls.sorted(by: { $0.key < $1.key }) {
            let perOrganization = Double(calls) / Double(max(1, organizations))
            print("  \(action.padding(toLength: 26, withPad: " ", startingAt: 0)) \(calls)  (\(format(perOrganization)) per organization, \(format(Double(calls) / seconds))/s)")
        }
        let statuses = Dictionary(grouping: summary.snapshots, by: { $0.reconciliation?.status.rawValue ?? "off" })
        print("reconciliation  " + statuses.keys.sorted().map { "\($0) \(statuses[$0]!.count)" }.joined(separator: ", "))
        print("orders/s        \(Int(Double(ordersRead) / seconds))")
        print("peak RSS        \(peak)  (simulator included: it runs in this process)")
        print("load average    \(ProcessMeasurement.loadAverage)")
    }
}

/// `ledger`: the first snapshot of many orders, then the same content again.
struct LedgerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Time ledger snapshots of many orders (targets: first 3 s, same again 1.5 s for 1M).")

    @Option(help: "Orders in the snapshot.")
    var orders = 1_000_000

    @Option(help: "Folder for the SQLite file (default: a temporary folder, removed after).")
    var directory: String?

    @Option(help: "Instead of generated orders: read this export and record it, one snapshot per organization.")
    var xlsx: String?

    @Option(name: .customLong("max-sheet-gib"), help: "With --xlsx: raise the sheet size cap (GiB), for 10M rows.")
    var maxSheetGiB: UInt64?

    func run() throws {
        let folder = directory ?? FileManager.default.temporaryDirectory.appending(path: "unpaidd-ledger-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { if directory == nil { try? FileManager.default.removeItem(atPath: folder) } }
        print("ledger benchmark (load average \(ProcessMeasurement.loadAverage))")
        ProcessMeasurement.resetPeakResident()
        if let xlsx {
            var limits = XLSXLimits()
            if let maxSheetGiB { limits.maxUncompressedEntryBytes = maxSheetGiB << 30 }
            print(try LedgerFileBenchmark.run(file: xlsx, directory: folder, limits: limits))
        } else {
            print(try LedgerBenchmark.run(orders: orders, directory: folder))
        }
        print("peak RSS        \(ProcessMeasurement.peakResidentText)")
        print("load average    \(ProcessMeasurement.loadAverage)")
    }
}

/// `all`: every benchmark with its defaults, in one process (peaks then accumulate;
/// `make bench` runs each in a process of its own).
struct AllBenchmarks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "all", abstract: "Run the xlsx, pipeline and ledger benchmarks.")

    @Option(help: "Folder of generated xlsx files.")
    var cacheDir = "bench-cache"

    func run() async throws {
        // Parsed, not initialized: a command's options only have values once parsed.
        try XLSXBenchmark.parse(["--cache-dir", cacheDir]).run()
        print("")
        try await PipelineBenchmark.parse([]).run()
        print("")
        try LedgerCommand.parse([]).run()
        print("")
        try LedgerCommand.parse(["--xlsx", "\(cacheDir)/u1m-inline.xlsx"]).run()
    }
}
