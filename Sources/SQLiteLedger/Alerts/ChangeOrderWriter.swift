import GRDB
import Ledger
import OrderSpill
import UnpaidCore

/// Hears every order that moved during the interval walk: stores it in
/// `snapshot_change_order` at once (the audit keeps every one, whatever their number)
/// and counts it into the snapshot's diff, which lists only the largest few.
///
/// The rows go in before their `snapshot_change` row exists, which only the end of the
/// walk can fill in: the caller defers foreign keys to the commit.
struct ChangeOrderWriter {
    private(set) var builder = SnapshotDiffBuilder()
    private let insert: RawStatement

    init(db: Database, snapshotID: SnapshotID) throws {
        insert = try RawStatement(db.cachedStatement(sql: """
            INSERT INTO snapshot_change_order (snapshot_id, currency, order_no, change, before_amount_text, after_amount_text)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6)
            """), in: db)
        insert.bind(snapshotID.rawValue, at: 1)
    }

    mutating func new(_ order: OrderRecord) throws {
        let currency = order.currencyString
        builder.addNew(currency: currency, amount: order.amount, startTime: order.startTime) { order.orderNoString }
        try store(order.orderNo, currency: order.currency, "new", before: nil, after: order.amount)
    }

    mutating func gone(_ order: StoredOrder) throws {
        let currency = String(decoding: order.currency, as: UTF8.self)
        builder.addGone(currency: currency, amount: order.amount, startTime: order.startTime) {
            String(decoding: order.orderNo, as: UTF8.self)
        }
        try store(order.orderNo, currency: order.currency, "gone", before: order.amount, after: nil)
    }

    /// Same order number and currency, another amount.
    mutating func changed(_ order: OrderRecord, before: Money) throws {
        builder.addChanged(currency: order.currencyString, before: before, after: order.amount) { order.orderNoString }
        try store(order.orderNo, currency: order.currency, "changed", before: before, after: order.amount)
    }

    /// Drops the bindings to bytes that are about to go.
    func finishRows() {
        insert.bind(nil as String?, at: 2)
        insert.bind(nil as String?, at: 3)
    }

    private func store(_ orderNo: UnsafeBufferPointer<UInt8>, currency: UnsafeBufferPointer<UInt8>, _ change: String,
                       before: Money?, after: Money?) throws {
        insert.bind(staticText: currency, at: 2)
        insert.bind(staticText: orderNo, at: 3)
        insert.bind(change, at: 4)
        func bind(_ amount: Money?, at index: Int32) {
            guard let amount else { return insert.bind(nil as String?, at: index) }
            amount.withDecimalText { insert.bind(terminatedText: $0, at: index) }
        }
        bind(before, at: 5)
        bind(after, at: 6)
        try insert.execute()
    }
}
