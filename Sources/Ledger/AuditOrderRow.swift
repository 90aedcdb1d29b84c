import Foundation
import UnpaidCore

/// One order of a snapshot as `Ledger.auditOrderRows` reads it: its texts are the
/// database's own bytes, so a million-order listing makes no String per field. The row
/// is valid only during the call that receives it; `listed` copies it out.
public struct AuditOrderRow {
    public let snapshotID: SnapshotID
    public let job: String
    public let organizationID: Int64
    public let orderNo: UnsafeBufferPointer<UInt8>
    public let currency: UnsafeBufferPointer<UInt8>
    public let amount: Money
    public let startTime: Int64?
    public let productCode: UnsafeBufferPointer<UInt8>?
    public let resourceID: UnsafeBufferPointer<UInt8>?
    public let modelID: UnsafeBufferPointer<UInt8>?
    /// The earliest snapshot of the series that listed this order number.
    public let firstSeenSnapshotID: SnapshotID
    public let firstSeenAt: Date
    /// Whole days (24 hours) from the billing start to the moment asked about.
    public let ageDays: Int64?

    public init(snapshotID: SnapshotID, job: String, organizationID: Int64, orderNo: UnsafeBufferPointer<UInt8>,
                currency: UnsafeBufferPointer<UInt8>, amount: Money, startTime: Int64?,
                productCode: UnsafeBufferPointer<UInt8>?, resourceID: UnsafeBufferPointer<UInt8>?,
                modelID: UnsafeBufferPointer<UInt8>?, firstSeenSnapshotID: SnapshotID, firstSeenAt: Date, ageDays: Int64?) {
        self.snapshotID = snapshotID
        self.job = job
        self.organizationID = organizationID
        self.orderNo = orderNo
        self.currency = currency
        self.amount = amount
        self.startTime = startTime
        self.productCode = productCode
        self.resourceID = resourceID
        self.modelID = modelID
        self.firstSeenSnapshotID = firstSeenSnapshotID
        self.firstSeenAt = firstSeenAt
        self.ageDays = ageDays
    }

    /// The row as a value that outlives the call.
    public var listed: AuditOrder {
        func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }
        return AuditOrder(
            snapshotID: snapshotID, job: job,
            order: UnpaidOrder(orderNo: text(orderNo), organizationID: organizationID, currency: text(currency),
                               totalPrice: amount, startTime: startTime, productCode: productCode.map(text),
                               resourceID: resourceID.map(text), modelID: modelID.map(text)),
            firstSeenSnapshotID: firstSeenSnapshotID, firstSeenAt: firstSeenAt, ageDays: ageDays)
    }
}

/// Per-currency totals keyed by the currency's bytes: a snapshot has a few currencies,
/// and a linear search of them costs less than a String and a hash per order.
package struct CurrencyTotals {
    private var entries: [(currency: [UInt8], total: Total)] = []

    package init() {}

    package mutating func add(_ amount: Money, currency: UnsafeBufferPointer<UInt8>) {
        if let index = entries.firstIndex(where: { $0.currency.elementsEqual(currency) }) {
            entries[index].total.add(amount)
        } else {
            entries.append((Array(currency), Total(count: 1, sum: amount)))
        }
    }

    package var byCurrency: [String: Total] {
        Dictionary(uniqueKeysWithValues: entries.map { (String(decoding: $0.currency, as: UTF8.self), $0.total) })
    }
}

/// SQLite's BINARY collation: bytes compared as unsigned, a prefix before the longer text.
package func binaryCollationOrder(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
    let common = min(a.count, b.count)
    if common > 0 {
        let order = memcmp(a.baseAddress!, b.baseAddress!, common)
        if order != 0 { return Int(order) }
    }
    return a.count - b.count
}
