import GRDB
import Ledger
import OrderSpill
import UnpaidCore

extension SQLiteLedger {
    /// Compares snapshot `id`'s orders, rebuilt from its intervals, with `orders` (its
    /// file read again), field by field as the ledger stores them.
    ///
    /// Both sides are walked in order number byte order, the file's from its sorted runs
    /// and the ledger's by merging the ranges of the intervals still open after `id`
    /// (see `SeriesIntervalWalk`): memory does not grow with the number of orders.
    ///
    /// - Throws: ``LedgerError/unknownSnapshot(_:)``; `OrderSpillError.duplicateOrder`
    ///   when the file lists an order number twice.
    public func compareOrders(at id: SnapshotID, with orders: SortedOrders, listingAtMost limit: Int = 10)
        throws -> OrderComparison {
        try pool.read { db in
            guard let seriesID = try Int64.fetchOne(db, sql: "SELECT series_id FROM snapshot WHERE id = ?",
                                                    arguments: [id.rawValue]) else {
                throw LedgerError.unknownSnapshot(id)
            }
            var comparison = OrderComparisonBuilder(limit: limit)
            var cursor = try orders.makeCursor()
            try SeriesIntervalWalk.run(seriesID: seriesID, closedAfter: id.rawValue, in: db) { row in
                guard row.firstSnapshotID <= id.rawValue else { return }  // opened later
                while let order = cursor.current, ByteOrder.compare(order.orderNo, row.orderNo) < 0 {
                    comparison.readOnly(order)
                    try cursor.advance()
                }
                if let order = cursor.current, ByteOrder.compare(order.orderNo, row.orderNo) == 0 {
                    comparison.compare(order, row)
                    try cursor.advance()
                } else {
                    comparison.recordedOnly(row)
                }
            }
            while let order = cursor.current {
                comparison.readOnly(order)
                try cursor.advance()
            }
            return comparison.result
        }
    }
}

/// Counts both sides and keeps the first differences.
private struct OrderComparisonBuilder {
    let limit: Int
    var result = OrderComparison()

    init(limit: Int) {
        self.limit = limit
    }

    mutating func readOnly(_ order: OrderRecord) {
        result.readCount += 1
        note("order", order.orderNo, recorded: nil, read: order.orderNo)
    }

    mutating func recordedOnly(_ row: IntervalRow) {
        result.recordedCount += 1
        note("order", row.orderNo, recorded: row.orderNo, read: nil)
    }

    mutating func compare(_ order: OrderRecord, _ row: IntervalRow) {
        result.readCount += 1
        result.recordedCount += 1
        let orderNo = order.orderNo
        if !ByteOrder.equal(order.currency, row.currency) {
            note("currency", orderNo, recorded: row.currency, read: order.currency)
        }
        order.amount.withDecimalText { amountText in
            if !ByteOrder.equal(amountText, row.amountText) {
                note("amount", orderNo, recorded: row.amountText, read: amountText)
            }
        }
        if order.startTime != row.startTime {
            result.differenceCount += 1
            if result.differences.count < limit {
                result.differences.append(OrderDifference(
                    field: "start_time", orderNo: String(decoding: orderNo, as: UTF8.self),
                    recorded: row.startTime.map(String.init), read: order.startTime.map(String.init)))
            }
        }
        for (field, read, recorded) in [("product_code", order.productCode, row.productCode),
                                        ("resource_id", order.resourceID, row.resourceID),
                                        ("model_id", order.modelID, row.modelID)]
        where !ByteOrder.equal(read, recorded) {
            note(field, orderNo, recorded: recorded, read: read)
        }
    }

    private mutating func note(_ field: String, _ orderNo: UnsafeBufferPointer<UInt8>,
                               recorded: UnsafeBufferPointer<UInt8>?, read: UnsafeBufferPointer<UInt8>?) {
        result.differenceCount += 1
        guard result.differences.count < limit else { return }
        func text(_ bytes: UnsafeBufferPointer<UInt8>?) -> String? { bytes.map { String(decoding: $0, as: UTF8.self) } }
        result.differences.append(OrderDifference(field: field, orderNo: text(orderNo)!, recorded: text(recorded),
                                                  read: text(read)))
    }
}
