import ArgumentParser
import Foundation
import UnpaidCore
import UnpaidExport
import XLSXReader

/// Reads an export through the totals path and compares it with the cost of inflating
/// the same sheet entry alone (the floor no XML parse can go under).
struct XLSXBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xlsx",
        abstract: "Time the xlsx totals path against plain inflate of the sheet.")

    @Option(help: "Data rows the file must have (checked; make the file with shared/tools/make_unpaid_xlsx.py).")
    var rows: Int?

    @Option(help: "The .xlsx export to read.")
    var file: String

    @Option(help: "The generator's --expected JSON: the totals must match it exactly.")
    var expected: String?

    func run() throws {
        guard FileManager.default.fileExists(atPath: file) else {
            throw ValidationError("no file at \(file); generate one with: python shared/tools/make_unpaid_xlsx.py --rows \(rows ?? 100_000) --seed 1 --out \(file)")
        }
        let clock = ContinuousClock()
        let reader = try XLSXReader(path: file)
        let sheetBytes = try reader.uncompressedSize()
        let floorStart = clock.now
        _ = try reader.inflateOnly()
        let floor = clock.now - floorStart

        let parseStart = clock.now
        let summary = try sumUnpaidExport(at: file)
        let wall = clock.now - parseStart
        if let rows, rows != summary.rowCount {
            throw ValidationError("expected \(rows) data rows, read \(summary.rowCount)")
        }
        if let expected { try check(summary.totals, against: expected) }
        let seconds = wall.seconds
        let megabytes = Double(sheetBytes) / 1_048_576
        print("file            \(file)")
        print("rows            \(summary.rowCount)  (\(summary.totals.byKey.count) organization/currency groups)")
        print("sheet           \(format(megabytes)) MiB uncompressed")
        print("wall            \(format(seconds)) s")
        print("rows/s          \(Int(Double(summary.rowCount) / seconds))")
        print("sheet MiB/s     \(format(megabytes / seconds))")
        print("inflate floor   \(format(floor.seconds)) s  (\(format(megabytes / floor.seconds)) MiB/s)")
        print("parse/floor     \(format(seconds / floor.seconds))x")
        print("peak RSS        \(peakResidentKiB().map { "\($0 / 1024) MiB" } ?? "unknown")")
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

    private func format(_ value: Double) -> String { String(format: "%.3f", value) }

    /// VmHWM: the process's peak resident set, in KiB (Linux only).
    private func peakResidentKiB() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        }
        return nil
    }
}

extension Duration {
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}
