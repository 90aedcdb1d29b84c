import Foundation
import Ledger
import UnpaidCore

/// `unpaidd orders`: one row per unpaid order of a snapshot; the trailer holds each
/// snapshot's per-currency count and sum, which the listed orders were checked against.
public struct OrdersReport {
    public static let columns = ["snapshot", "job", "organization", "order_no", "currency", "amount", "billing_start",
                                 "product", "resource", "model", "first_seen_at", "first_seen_snapshot", "age_days"]
    private var time: ReportTime
    /// Snapshots fetch-time texts: a series has few, a listing a million rows.
    private var firstSeenTexts: [SnapshotID: String] = [:]
    /// Most orders of a listing were first seen in the same snapshot: no hashing for them.
    private var lastFirstSeen: (id: SnapshotID, text: String)?
    /// The billing start's text, in a buffer every row reuses.
    private var scratch: [UInt8] = []

    public init(timeZone: TimeZone) {
        time = ReportTime(timeZone: timeZone)
    }

    public mutating func cells(_ listed: AuditOrder) -> [ReportCell] {
        let order = listed.order
        let firstSeen = firstSeenText(listed.firstSeenSnapshotID, at: listed.firstSeenAt)
        return [
            .integer(listed.snapshotID.rawValue), .text(listed.job), .integer(order.organizationID),
            .text(order.orderNo), .text(order.currency), .money(order.totalPrice),
            order.startTime.map { .text(time.string(seconds: $0)) } ?? .missing,
            Self.optional(order.productCode), Self.optional(order.resourceID), Self.optional(order.modelID),
            .text(firstSeen), .integer(listed.firstSeenSnapshotID.rawValue),
            listed.ageDays.map { .integer($0) } ?? .missing,
        ]
    }

    /// Writes `row` with `writer`, its cells straight from the ledger's bytes.
    public mutating func write(_ row: AuditOrderRow, to writer: inout some RowWriter) throws(ReportError) {
        let firstSeen = firstSeenText(row.firstSeenSnapshotID, at: row.firstSeenAt)
        if let start = row.startTime {
            scratch.removeAll(keepingCapacity: true)
            time.append(seconds: start, to: &scratch)
        }
        try writer.writeRow { cells in
            cells.integer(row.snapshotID.rawValue)
            cells.text(row.job)
            cells.integer(row.organizationID)
            cells.text(row.orderNo)
            cells.text(row.currency)
            cells.money(row.amount)
            if row.startTime != nil { scratch.withUnsafeBufferPointer { cells.text($0) } } else { cells.missing() }
            cells.text(row.productCode)
            cells.text(row.resourceID)
            cells.text(row.modelID)
            cells.text(firstSeen)
            cells.integer(row.firstSeenSnapshotID.rawValue)
            if let age = row.ageDays { cells.integer(age) } else { cells.missing() }
        }
    }

    private mutating func firstSeenText(_ id: SnapshotID, at date: Date) -> String {
        if let last = lastFirstSeen, last.id == id { return last.text }
        let text = firstSeenTexts[id] ?? time.string(date)
        firstSeenTexts[id] = text
        lastFirstSeen = (id, text)
        return text
    }

    /// Per snapshot and currency; a snapshot without orders has one line of zero.
    public static func trailer(_ snapshots: [SnapshotRecord]) -> ReportTrailer {
        var rows: [[ReportCell]] = []
        for snapshot in snapshots {
            let base: [ReportCell] = [.integer(snapshot.id.rawValue), .text(snapshot.job), .integer(snapshot.organizationID)]
            if snapshot.totals.isEmpty { rows.append(base + [.missing, .integer(0), .money(.zero)]) }
            for currency in snapshot.totals.keys.sorted() {
                let total = snapshot.totals[currency]!
                rows.append(base + [.text(currency), .integer(Int64(total.count)), .money(total.sum)])
            }
        }
        return ReportTrailer(name: "totals", columns: ["snapshot", "job", "organization", "currency", "orders", "sum"],
                             rows: rows)
    }

    static func optional(_ text: String?) -> ReportCell { text.map { .text($0) } ?? .missing }
}
