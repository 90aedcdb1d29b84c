import ArgumentParser
import Foundation
import UnpaidCore
import UnpaidExport
import XLSXReader

/// Reads exports through the totals path and compares each with the cost of inflating
/// the same sheet entry alone (the floor no XML parse can go under), with zlib and ISA-L.
struct XLSXBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xlsx",
        abstract: "Time the xlsx totals path against plain inflate of the sheet.")

    @Option(help: "Data rows of the cached files (u<rows>-inline.xlsx, u<rows>-shared.xlsx).")
    var rows = 1_000_000

    @Option(help: "Folder of generated files and their expected totals (scripts/bench.sh fills it).")
    var cacheDir = "bench-cache"

    @Option(help: "Read this file instead of the cached ones.")
    var file: String?

    @Option(help: "With --file: the generator's --expected JSON; the totals must match it exactly.")
    var expected: String?

    @Option(name: .customLong("max-sheet-gib"), help: "With --file: raise the sheet size cap (GiB), for the 10M-row memory check.")
    var maxSheetGiB: UInt64?

    func run() throws {
        print("xlsx benchmark (load average \(ProcessMeasurement.loadAverage))")
        if let file {
            try measure(file: file, expected: expected, expectedRows: nil)
            return
        }
        let label = XLSXBenchmark.label(rows)
        for variant in ["inline", "shared"] {
            let path = "\(cacheDir)/u\(label)-\(variant).xlsx"
            guard FileManager.default.fileExists(atPath: path) else {
                print("\(variant): no \(path); generate it with scripts/bench.sh (make bench)")
                continue
            }
            let json = "\(cacheDir)/u\(label)-\(variant).json"
            // Same rows and seed: the inline file's totals hold for the shared one.
            let fallback = "\(cacheDir)/u\(label)-inline.json"
            let expectedPath = FileManager.default.fileExists(atPath: json) ? json : fallback
            try measure(file: path, expected: FileManager.default.fileExists(atPath: expectedPath) ? expectedPath : nil,
                        expectedRows: rows)
        }
    }

    /// "1m" for a million rows, "100k" for a hundred thousand: the cache's file names.
    static func label(_ rows: Int) -> String {
        if rows % 1_000_000 == 0 { return "\(rows / 1_000_000)m" }
        if rows % 1_000 == 0 { return "\(rows / 1_000)k" }
        return "\(rows)"
    }

    private func measure(file: String, expected: String?, expectedRows: Int?) throws {
        var limits = XLSXLimits()
        if let maxSheetGiB { limits.maxUncompressedEntryBytes = maxSheetGiB << 30 }
        let clock = ContinuousClock()
        let reader = try XLSXReader(path: file, limits: limits)
        let sheetBytes = try reader.uncompressedSize()
        var floors: [(InflateEngine, Duration)] = []
        for engine in [InflateEngine.zlib, .isal] {
            let start = clock.now
            _ = try reader.inflateOnly(engine: engine)
            floors.append((engine, clock.now - start))
        }

        ProcessMeasurement.resetPeakResident()
        let parseStart = clock.now
        let summary = try sumUnpaidExport(at: file, limits: limits)
        let seconds = (clock.now - parseStart).seconds
        let peak = ProcessMeasurement.peakResidentText
        if let expectedRows, expectedRows != summary.rowCount {
            throw ValidationError("expected \(expectedRows) data rows in \(file), read \(summary.rowCount)")
        }
        let megabytes = Double(sheetBytes) / 1_048_576
        print("file            \(file)")
        print("rows            \(summary.rowCount)  (\(summary.totals.byKey.count) organization/currency groups)")
        print("sheet           \(format(megabytes)) MiB uncompressed")
        print("wall            \(format(seconds)) s  (parse + exact totals)")
        print("rows/s          \(Int(Double(summary.rowCount) / seconds))")
        print("sheet MiB/s     \(format(megabytes / seconds))")
        for (engine, floor) in floors {
            print("floor \(engine.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0))\(format(floor.seconds)) s  (\(format(megabytes / floor.seconds)) MiB/s inflate + CRC alone); wall/floor \(format(seconds / floor.seconds))x")
        }
        print("peak RSS        \(peak)  (during the parse)")
        if let expected { try check(summary.totals, against: expected) }
        print("load average    \(ProcessMeasurement.loadAverage)")
    }

    private func check(_ totals: OrderTotals, against path: String) throws {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
        let groups = json?["groups"] as? [[String: Any]] ?? []
        var wanted: [TotalsKey: Total] = [:]
        for group in groups {
            guard let organization = (group["OrganizationID"] as? NSNumber)?.int64Value, let currency = group["Currency"] as? String,
                  let count = group["count"] as? Int, let sum = group["sum"] as? String else { continue }
            wanted[TotalsKey(organizationID: organization, currency: currency)] = Total(count: count, sum: try Money(sum))
        }
        guard wanted == totals.byKey else { throw ValidationError("totals differ from \(path)") }
        print("totals          match \(path) exactly (\(wanted.count) groups)")
    }
}
