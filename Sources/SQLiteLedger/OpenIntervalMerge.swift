import GRDB
import Ledger
import OrderSpill
import UnpaidCore

/// One walk over a series' open intervals (sorted by order number) beside a new
/// snapshot's orders in the same order: which intervals close, which open, and, when a
/// `ChangeOrderWriter` listens, how each order moved. Every interval it closes is fed, in
/// key order, to the snapshot chain's closed digest; `writes` digests those it opens.
///
/// The query over the open intervals is never stepped while the table changes: when the
/// pending writes fill up, the walk remembers where it was, resets the query, flushes the
/// writes and seeks again just past what it had settled (SQLite leaves it undefined
/// whether a query sees rows its own connection changes under it).
struct OpenIntervalMerge {
    let db: Database
    let seriesID: Int64
    let organizationID: Int64
    let fileName: String
    var writes: PendingIntervalWrites
    var changes: ChangeOrderWriter?
    /// The snapshot chain's digest of the closed intervals, fed in key order (the opened
    /// ones are digested where they are written: `writes.openedDigest`).
    private(set) var closedDigest = IntervalDigest()

    /// Where to seek the open intervals again: from `key` on, or only past it.
    private struct Resume {
        var key: [UInt8]
        var inclusive: Bool
    }

    mutating func run(_ orders: SortedOrders) throws {
        var cursor = try spillErrors { () throws(OrderSpillError) in try orders.makeCursor() }
        var resume = Resume(key: [], inclusive: true)
        while let next = try walk(from: resume, with: &cursor) {
            try writes.flush()
            resume = next
        }
        while let order = cursor.current {
            try open(order)
            try advance(&cursor)
            if writes.isFull { try writes.flush() }
        }
        try writes.flush()
        changes?.finishRows()
    }

    /// Walks the open intervals from `resume` until they end (nil) or the pending writes
    /// are full (where to resume). New orders before the last interval seen are settled.
    private mutating func walk(from resume: Resume, with cursor: inout SortedOrderCursor) throws -> Resume? {
        let row = try openIntervals(from: resume)
        defer { row.reset() }
        while try row.step() {
            let stored = row.text(at: 0)
            while let order = cursor.current, ByteOrder.compare(order.orderNo, stored) < 0 {
                try open(order)
                try advance(&cursor)
                if writes.isFull { return Resume(key: Array(stored), inclusive: true) }
            }
            if let order = cursor.current, ByteOrder.compare(order.orderNo, stored) == 0 {
                if !matches(order, row: row) { try replace(order, row: row) }
                try advance(&cursor)
            } else {
                if changes != nil {
                    let gone = try storedOrder(row)
                    try changes?.gone(gone)
                }
                writes.close(stored)
                digestClosing(row)
            }
            if writes.isFull { return Resume(key: Array(stored), inclusive: false) }
        }
        return nil
    }

    private mutating func open(_ order: OrderRecord) throws {
        writes.open(order)
        try changes?.new(order)
    }

    /// The same order number with other fields: the old interval closes, a new one opens.
    /// For the diff, a new currency is the order leaving one total and joining another;
    /// only another amount by value is a change (`1.50` after `1.5` reopens the interval,
    /// since the ledger keeps what the file said, but moves no total).
    private mutating func replace(_ order: OrderRecord, row: RawStatement) throws {
        writes.close(order.orderNo)
        writes.open(order)
        digestClosing(row)
        guard changes != nil else { return }
        let before = try storedOrder(row)
        if !ByteOrder.equal(order.currency, row.text(at: 1)) {
            try changes?.gone(before)
            try changes?.new(order)
        } else if before.amount != order.amount {
            try changes?.changed(order, before: before.amount)
        }
    }

    private mutating func digestClosing(_ row: RawStatement) {
        closedDigest.add(orderNo: row.text(at: 0), currency: row.text(at: 1), amountText: row.text(at: 2),
                         startTime: row.int64OrNil(at: 3), productCode: row.optionalText(at: 4),
                         resourceID: row.optionalText(at: 5), modelID: row.optionalText(at: 6),
                         firstSnapshotID: row.int64OrNil(at: 7) ?? 0)
    }

    // Compared on the stored text, not the value: a rebuilt snapshot prints exactly
    // what its file said, so "1.50" after "1.5" is a change.
    private func matches(_ order: OrderRecord, row: RawStatement) -> Bool {
        row.int64OrNil(at: 3) == order.startTime
            && ByteOrder.equal(order.currency, row.text(at: 1))
            && order.amount.withDecimalText { ByteOrder.equal($0, row.text(at: 2)) }
            && ByteOrder.equal(order.productCode, row.optionalText(at: 4))
            && ByteOrder.equal(order.resourceID, row.optionalText(at: 5))
            && ByteOrder.equal(order.modelID, row.optionalText(at: 6))
    }

    private func storedOrder(_ row: RawStatement) throws -> StoredOrder {
        guard let amount = Money(decimalBytes: row.text(at: 2)) else {
            let orderNo = String(decoding: row.text(at: 0), as: UTF8.self)
            throw LedgerError.corruptValue(table: "order_interval of order \(orderNo) from snapshot",
                                           rowID: row.int64OrNil(at: 7) ?? 0, column: "amount_text",
                                           value: String(decoding: row.text(at: 2), as: UTF8.self))
        }
        return StoredOrder(orderNo: row.text(at: 0), currency: row.text(at: 1), amount: amount,
                           startTime: row.int64OrNil(at: 3))
    }

    private func advance(_ cursor: inout SortedOrderCursor) throws {
        try spillErrors { () throws(OrderSpillError) in try cursor.advance() }
    }

    /// A duplicate order number is the file's fault: say so with the file's name.
    private func spillErrors<T>(_ body: () throws(OrderSpillError) -> T) throws -> T {
        do {
            return try body()
        } catch .duplicateOrder(let orderNo, _) {
            throw LedgerError.duplicateOrder(orderNo: orderNo, organizationID: organizationID, fileName: fileName)
        }
    }

    /// Open intervals of the series in key order, from where the walk resumes.
    private func openIntervals(from resume: Resume) throws -> RawStatement {
        let statement = try RawStatement(db.cachedStatement(sql: """
            SELECT order_no, currency, amount_text, start_time, product_code, resource_id, model_id,
                   first_snapshot_id
            FROM order_interval WHERE series_id = ?1 AND closed_by_snapshot_id = \(OrderIntervalWriter.open)
              AND order_no \(resume.inclusive ? ">=" : ">") ?2
            ORDER BY order_no
            """), in: db)
        statement.bind(seriesID, at: 1)
        resume.key.withUnsafeBufferPointer { statement.bind(transientText: $0, at: 2) }
        return statement
    }
}

/// An open interval's order as the walk reads it; texts valid until the query's next step.
struct StoredOrder {
    var orderNo: UnsafeBufferPointer<UInt8>
    var currency: UnsafeBufferPointer<UInt8>
    var amount: Money
    var startTime: Int64?
}
