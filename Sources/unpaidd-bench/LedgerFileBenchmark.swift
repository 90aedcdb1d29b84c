import Foundation
import Ledger
import SQLiteLedger
import OrderSpill
import UnpaidCore
import UnpaidExport
import XLSXReader

/// A real export from disk to committed snapshots, as the pipeline does it for each
/// organization it asks for: rows read and sorted per organization into runs spilled to
/// a temporary file while the file streams, then one snapshot per organization, merged
/// back from the runs. Peak RSS here is what a run costs.
enum LedgerFileBenchmark {
    static func run(file: String, directory: String, limits: XLSXLimits = XLSXLimits()) throws -> String {
        let path = URL(fileURLWithPath: directory).appendingPathComponent("ledger-file-bench.sqlite").path
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let ledger = try SQLiteLedger(path: path)
        let clock = ContinuousClock()
        var export: SortedExport?
        let reading = try clock.measure {
            export = try readSortedExports(at: file, spillingTo: directory, maxRows: 1_000_000_000, limits: limits)
        }
        let packed = export!.organizations
        var runs = 0
        let afterReading = ProcessMeasurement.peakResidentText
        let fetchedAt = Date(timeIntervalSince1970: 1_793_000_000)
        let run = try ledger.startRun(job: "bench", startedAt: fetchedAt)
        let cpuBefore = ProcessMeasurement.cpuSeconds()
        let recording = try clock.measure {
            for (organizationID, orders) in packed.sorted(by: { $0.key < $1.key }) {
                let snapshot = NewSnapshot(
                    runID: run, job: "bench", organizationID: organizationID,
                    window: try BillingWindow(start: 0, end: 86_400), periodLabel: "bench", fetchedAt: fetchedAt,
                    fileName: URL(fileURLWithPath: file).lastPathComponent, fileSize: 1,
                    sha256: String(repeating: "ab", count: 32), archivePath: file)
                _ = try ledger.recordSnapshot(snapshot, orders: orders) { .nothing(at: $0.snapshot.id.rawValue) }
                runs = max(runs, orders.spilledRuns)
            }
        }
        let recordingCPU = ProcessMeasurement.cpuSeconds() - cpuBefore
        try ledger.finishRun(run, status: .succeeded, error: nil, finishedAt: fetchedAt)
        let rows = packed.values.reduce(0) { $0 + $1.count }
        return """
            file            \(file)
            rows            \(rows) in \(packed.count) organizations, \(try ledger.counts().orderIntervals) order rows written
            read + sort     \(format(reading.seconds)) s  (peak RSS \(afterReading) by then; \(runs) runs spilled)
            record          \(format(recording.seconds)) s, \(format(recordingCPU)) s CPU  (one snapshot per organization, diff and alert path)
            file to ledger  \(format(reading.seconds + recording.seconds)) s
            """
    }
}
