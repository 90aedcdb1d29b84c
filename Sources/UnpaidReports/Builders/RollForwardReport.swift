import Foundation
import Ledger
import UnpaidCore

/// `unpaidd rollforward`: per currency, the opening balance, new orders, orders gone,
/// amount changes and the closing balance, each with its order count. With the detail,
/// the rows are the orders behind the movements and the summary becomes the trailer.
public enum RollForwardReport {
    public static let summaryColumns = ["job", "organization", "currency", "line", "orders", "amount", "snapshot",
                                        "fetched_at"]
    public static let detailColumns = ["job", "organization", "currency", "movement", "order_no", "before", "after"]

    public static func write(_ rollForward: RollForward, timeZone: TimeZone, detail: Bool,
                             to writer: inout some RowWriter) throws(ReportError) {
        let summary = summaryRows(rollForward, timeZone: timeZone)
        guard detail else {
            for row in summary { try writer.writeRow(row) }
            try writer.finish(trailer: nil)
            return
        }
        let series: [ReportCell] = [.text(rollForward.job), .integer(rollForward.organizationID)]
        for line in rollForward.lines {
            for order in line.detail ?? [] {
                try writer.writeRow(series + [.text(line.currency), .text(order.movement.rawValue), .text(order.orderNo),
                                              order.before.map { .money($0) } ?? .missing,
                                              order.after.map { .money($0) } ?? .missing])
            }
        }
        try writer.finish(trailer: ReportTrailer(name: "summary", columns: summaryColumns, rows: summary))
    }

    static func summaryRows(_ rollForward: RollForward, timeZone: TimeZone) -> [[ReportCell]] {
        var time = ReportTime(timeZone: timeZone)
        let series: [ReportCell] = [.text(rollForward.job), .integer(rollForward.organizationID)]
        let opening: [ReportCell] = rollForward.opening.map { [.integer($0.id.rawValue), .text(time.string($0.fetchedAt))] }
            ?? [.missing, .missing]
        let closing: [ReportCell] = [.integer(rollForward.closing.id.rawValue),
                                     .text(time.string(rollForward.closing.fetchedAt))]
        var rows: [[ReportCell]] = []
        for line in rollForward.lines {
            func row(_ name: String, _ total: Total, _ sign: (Money) -> Money, _ snapshot: [ReportCell]) -> [ReportCell] {
                series + [.text(line.currency), .text(name), .integer(Int64(total.count)), .money(sign(total.sum))] + snapshot
            }
            let none: [ReportCell] = [.missing, .missing]
            rows.append(row("opening", line.opening, { $0 }, opening))
            rows.append(row("new", line.new, { $0 }, none))
            rows.append(row("gone", line.gone, { -$0 }, none))
            rows.append(row("amount changes", line.amountChanges, { $0 }, none))
            rows.append(row("closing", line.closing, { $0 }, closing))
        }
        return rows
    }
}
