import Ledger
import OrderSpill
import PostgresNIO
import UnpaidCore

/// One walk over a series' open intervals (by order number bytes, read a page at a time)
/// beside a new snapshot's orders in the same order, as SQLite's `OpenIntervalMerge`:
/// which intervals close, which open, and, when `changes` listens, how each order moved.
/// Every interval it closes is fed, in key order, to the chain's closed digest; `writes`
/// digests those it opens.
///
/// Pages are finished queries, so writes go out whenever they fill up; the next page starts
/// past the last order number settled, and the walk never writes beyond it.
struct PostgresIntervalMerge {
    let connection: PostgresConnection
    let logger: Logger
    let seriesID: Int64
    let reading: SortedOrderReading
    var writes: PendingIntervalWrites
    var changes: ChangeOrderRows?
    /// The chain's digest of the closed intervals, fed in key order.
    private(set) var closedDigest = IntervalDigest()

    init(connection: PostgresConnection, logger: Logger, seriesID: Int64, snapshotID: SnapshotID,
         reading: SortedOrderReading, changes: ChangeOrderRows?) {
        self.connection = connection
        self.logger = logger
        self.seriesID = seriesID
        self.reading = reading
        self.changes = changes
        writes = PendingIntervalWrites(seriesID: seriesID, snapshotID: snapshotID)
    }

    mutating func run(_ orders: SortedOrders) async throws {
        var cursor = try reading.cursor(orders)
        var after = ""
        while true {
            let page = try await OpenIntervalPage.read(seriesID: seriesID, after: after, on: connection, logger: logger)
            for index in 0..<page.count { try await settle(page[index], with: &cursor) }
            guard page.isFull else { break }
            after = page.lastOrderNo
        }
        while let order = cursor.current {
            open(order)
            try reading.advance(&cursor)
            try await flushIfFull()
        }
        try await flush()
    }

    /// Opens the new orders before `stored`, then keeps, replaces or closes it.
    private mutating func settle(_ stored: OpenIntervalPage.Interval, with cursor: inout SortedOrderCursor) async throws {
        while let order = cursor.current, ByteOrder.compare(order.orderNo, stored.orderNo) < 0 {
            open(order)
            try reading.advance(&cursor)
            try await flushIfFull()
        }
        if let order = cursor.current, ByteOrder.compare(order.orderNo, stored.orderNo) == 0 {
            if !matches(order, stored) { try replace(order, stored) }
            try reading.advance(&cursor)
        } else {
            try changes?.gone(stored)
            writes.close(stored.orderNo)
            stored.feed(&closedDigest)
        }
        try await flushIfFull()
    }

    private mutating func open(_ order: OrderRecord) {
        writes.open(order)
        changes?.new(order)
    }

    /// The same order number with other fields: the old interval closes, a new one opens.
    /// For the diff, a new currency is the order leaving one total and joining another;
    /// only another amount by value is a change (`1.50` after `1.5` reopens the interval,
    /// since the ledger keeps what the file said, but moves no total).
    private mutating func replace(_ order: OrderRecord, _ stored: OpenIntervalPage.Interval) throws {
        writes.close(order.orderNo)
        writes.open(order)
        stored.feed(&closedDigest)
        guard changes != nil else { return }
        let before = try ChangeOrderRows.amount(of: stored)
        if !ByteOrder.equal(order.currency, stored.currency) {
            try changes?.gone(stored)
            changes?.new(order)
        } else if before != order.amount {
            changes?.changed(order, before: before)
        }
    }

    // Compared on the stored text, not the value: a rebuilt snapshot prints exactly what
    // its file said, so "1.50" after "1.5" is a change.
    private func matches(_ order: OrderRecord, _ stored: OpenIntervalPage.Interval) -> Bool {
        stored.startTime == order.startTime
            && ByteOrder.equal(order.currency, stored.currency)
            && order.amount.withDecimalText { ByteOrder.equal($0, stored.amountText) }
            && ByteOrder.equal(order.productCode, stored.productCode)
            && ByteOrder.equal(order.resourceID, stored.resourceID)
            && ByteOrder.equal(order.modelID, stored.modelID)
    }

    private mutating func flushIfFull() async throws {
        if writes.isFull || (changes?.pendingCount ?? 0) >= PendingIntervalWrites.capacity { try await flush() }
    }

    private mutating func flush() async throws {
        try await writes.flush(on: connection, logger: logger)
        try await changes?.flush(on: connection, logger: logger)
    }
}
