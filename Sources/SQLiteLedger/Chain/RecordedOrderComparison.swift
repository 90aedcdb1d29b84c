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
                    comparison.compare(order, row.fields)
                    try cursor.advance()
                } else {
                    comparison.recordedOnly(row.fields)
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
