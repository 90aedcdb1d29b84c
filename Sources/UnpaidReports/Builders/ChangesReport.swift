import Foundation
import Ledger
import UnpaidCore

/// `unpaidd changes`: one row per recorded change (snapshot and currency), or with
/// `orders`, one row per order behind a change.
public struct ChangesReport {
    public static let changeColumns = ["fetched_at", "job", "organization", "currency", "snapshot", "previous_snapshot",
                                       "orders_before", "before", "orders_after", "after", "delta", "new", "gone",
                                       "changed"]
    public static let orderColumns = ["fetched_at", "job", "organization", "currency", "snapshot", "order_no", "change",
                                      "before", "after"]
    private var time: ReportTime
    public let listsOrders: Bool

    public init(timeZone: TimeZone, listsOrders: Bool) {
        time = ReportTime(timeZone: timeZone)
        self.listsOrders = listsOrders
    }

    public var columns: [String] { listsOrders ? Self.orderColumns : Self.changeColumns }

    public mutating func write(_ change: RecordedChange, to writer: inout some RowWriter) throws(ReportError) {
        let head: [ReportCell] = [.text(time.string(change.fetchedAt)), .text(change.job), .integer(change.organizationID),
                                  .text(change.currency), .integer(change.snapshotID.rawValue)]
        guard listsOrders else {
            func count(_ kind: RecordedOrderChange.Kind) -> ReportCell {
                .integer(Int64(change.orders.count { $0.kind == kind }))
            }
            try writer.writeRow(head + [
                .integer(change.previousSnapshotID.rawValue), .integer(Int64(change.before.count)),
                .money(change.before.sum), .integer(Int64(change.after.count)), .money(change.after.sum),
                .money(change.delta), count(.new), count(.gone), count(.changed),
            ])
            return
        }
        for order in change.orders {
            try writer.writeRow(head + [.text(order.orderNo), .text(order.kind.rawValue),
                                        order.before.map { .money($0) } ?? .missing,
                                        order.after.map { .money($0) } ?? .missing])
        }
    }
}
