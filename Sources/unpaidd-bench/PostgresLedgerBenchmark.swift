import ArgumentParser
import Foundation
import Ledger
import Logging
import OrderSpill
import PostgresLedger
import UnpaidCore
import UnpaidExport

/// `postgres-ledger`: the ledger benchmark against a PostgreSQL ledger the caller runs: a
/// first snapshot of a large file, the same file fetched again (hash shortcut), the same
/// orders in new bytes (the full walk over the open intervals) and, for generated orders, a
/// day's churn of one percent. Each invocation records into a series of its own, so one
/// bench database serves many runs. The figures are the server's as much as ours.
struct PostgresLedgerBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postgres-ledger",
        abstract: "Time snapshots recorded into a PostgreSQL ledger (targets for 1M: first 8 s, same file again 1.5 s).")

    @Option(help: "postgresql://USER@HOST:PORT/DATABASE of a bench-only database.")
    var url: String

    @Option(name: .customLong("password-env"), help: "Environment variable holding the password.")
    var passwordEnvironment: String?

    @Option(help: "Generated orders in the snapshot (without --xlsx).")
    var orders = 1_000_000

    @Option(help: "Instead of generated orders: read this export and record it, one snapshot per organization.")
    var xlsx: String?

    /// One measured recording: the orders of each organization, under one file hash.
    private struct Step {
        var name: String
        var organizations: [(id: Int64, orders: SortedOrders)]
        var shaSeed: UInt8
    }

    func run() async throws {
        let location = try PostgresLocation(url: url, passwordEnvironment: passwordEnvironment, key: "--url")
        let folder = FileManager.default.temporaryDirectory.appending(path: "unpaidd-pg-ledger-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        print("postgres-ledger: into \(location) (load average \(ProcessMeasurement.loadAverage))")
        let clock = ContinuousClock()
        var steps: [Step] = []
        let reading = try clock.measure { steps = try makeSteps(spillingTo: folder) }
        print("  read + sort: \(format(reading.seconds)) s (peak RSS \(ProcessMeasurement.peakResidentText) by then)")
        let logger = Logger(label: "postgres-ledger-bench", factory: { _ in SwiftLogNoOpLogHandler() })
        try await PostgresLedger.withLedger(location, logger: logger) { ledger in
            let job = "bench-\(UUID().uuidString.prefix(8).lowercased())"
            for (index, step) in steps.enumerated() {
                print("  " + (try await Self.measure(step, job: job, minute: index, on: ledger)))
            }
        }
        print("peak RSS        \(ProcessMeasurement.peakResidentText)")
        print("load average    \(ProcessMeasurement.loadAverage)")
    }

    private func makeSteps(spillingTo folder: String) throws -> [Step] {
        if let xlsx {
            let export = try readSortedExports(at: xlsx, spillingTo: folder, maxRows: 1_000_000_000)
            let organizations = export.organizations.sorted { $0.key < $1.key }.map { (id: $0.key, orders: $0.value) }
            return [Step(name: "first snapshot", organizations: organizations, shaSeed: 1),
                    Step(name: "same file again (same sha256)", organizations: organizations, shaSeed: 1),
                    Step(name: "same orders, new sha256 (full walk)", organizations: organizations, shaSeed: 2)]
        }
        let generated = [(id: Int64(1), orders: try LedgerBenchmark.sort(
            try LedgerBenchmark.makeOrders(orders, centsAddedToEvery: nil), spillingTo: folder))]
        let churned = [(id: Int64(1), orders: try LedgerBenchmark.sort(
            try LedgerBenchmark.makeOrders(orders, centsAddedToEvery: 100), spillingTo: folder))]
        return [Step(name: "first snapshot", organizations: generated, shaSeed: 1),
                Step(name: "same file again (same sha256)", organizations: generated, shaSeed: 1),
                Step(name: "same orders, new sha256 (full walk)", organizations: generated, shaSeed: 2),
                Step(name: "1% of amounts changed", organizations: churned, shaSeed: 3)]
    }

    /// Records the step in a run of its own, as the daemon does: with the diff and the
    /// alerting path, no rules.
    private static func measure(_ step: Step, job: String, minute: Int, on ledger: PostgresLedger) async throws -> String {
        let fetchedAt = Date(timeIntervalSince1970: 1_793_000_000 + Double(minute) * 60)
        let run = try await ledger.startRun(job: job, startedAt: fetchedAt)
        let before = try await ledger.counts().orderIntervals
        let clock = ContinuousClock()
        let cpuBefore = ProcessMeasurement.cpuSeconds()
        let elapsed = try await clock.measure {
            for (organizationID, orders) in step.organizations {
                let snapshot = NewSnapshot(
                    runID: run, job: job, organizationID: organizationID, window: try BillingWindow(start: 0, end: 86_400),
                    periodLabel: "bench", fetchedAt: fetchedAt, fileName: "bench.xlsx", fileSize: 1,
                    sha256: String(repeating: String(format: "%02x", step.shaSeed), count: 32), archivePath: "bench.xlsx")
                _ = try await ledger.recordSnapshot(snapshot, orders: orders) { .nothing(at: $0.snapshot.id.rawValue) }
            }
        }
        let cpu = ProcessMeasurement.cpuSeconds() - cpuBefore
        try await ledger.finishRun(run, status: .succeeded, error: nil, finishedAt: fetchedAt)
        let written = try await ledger.counts().orderIntervals - before
        let rows = step.organizations.reduce(0) { $0 + $1.orders.count }
        return "\(step.name): \(format(elapsed.seconds)) s wall, \(format(cpu)) s CPU here, \(rows) orders, "
            + "\(written) order rows written"
    }
}
