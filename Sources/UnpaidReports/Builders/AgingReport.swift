import Foundation
import Ledger
import UnpaidCore

/// `unpaidd aging`: per series and currency, the unpaid amount in each age bucket,
/// then "not yet started", "no start time" and the total (which they add up to).
public enum AgingReport {
    public static func columns(_ buckets: AgingBuckets) -> [String] {
        ["organization", "job", "snapshot", "currency"] + buckets.labels.map { "days_" + $0.replacingOccurrences(of: " ", with: "_") }
            + ["not_yet_started", "no_start_time", "orders", "total"]
    }

    public static func write(_ lines: [AgingLine], buckets: AgingBuckets, to writer: inout some RowWriter) throws(ReportError) {
        for line in lines {
            var row: [ReportCell] = [.integer(line.organizationID), .text(line.job), .integer(line.snapshotID.rawValue),
                                     .text(line.currency)]
            row += line.buckets.map { .money($0.sum) }
            row += [.money(line.notYetStarted.sum), .money(line.noStartTime.sum), .integer(Int64(line.total.count)),
                    .money(line.total.sum)]
            try writer.writeRow(row)
        }
        try writer.finish(trailer: nil)
    }
}
