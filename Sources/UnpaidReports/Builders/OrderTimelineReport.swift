import Foundation
import Ledger
import UnpaidCore

/// `unpaidd order`: the order's events in every series that listed it, oldest first,
/// and a `still-unpaid` line when the series' latest snapshot lists it.
public enum OrderTimelineReport {
    public static let columns = ["job", "organization", "event", "snapshot", "fetched_at", "currency", "amount",
                                 "previous_currency", "previous_amount"]

    public static func write(_ timelines: [OrderTimeline], timeZone: TimeZone, to writer: inout some RowWriter) throws(ReportError) {
        var time = ReportTime(timeZone: timeZone)
        for timeline in timelines {
            let series: [ReportCell] = [.text(timeline.job), .integer(timeline.organizationID)]
            for event in timeline.events {
                try writer.writeRow(series + [
                    .text(event.kind.rawValue), .integer(event.snapshotID.rawValue), .text(time.string(event.fetchedAt)),
                    .text(event.currency), .money(event.amount), OrdersReport.optional(event.previousCurrency),
                    event.previousAmount.map { .money($0) } ?? .missing,
                ])
            }
            if let latest = timeline.stillUnpaidAt, let last = timeline.events.last {
                try writer.writeRow(series + [.text("still-unpaid"), .integer(latest.rawValue), .missing,
                                              .text(last.currency), .money(last.amount), .missing, .missing])
            }
        }
        try writer.finish(trailer: nil)
    }
}
