import Ledger
import OrderSpill
import PostgresNIO
import UnpaidCore

extension PostgresLedger {
    /// Compares snapshot `id`'s orders, rebuilt from its intervals, with `orders` (its file
    /// read again), field by field as the ledger stores them, as SQLite does.
    ///
    /// Both sides are walked in order number byte order, the file's from its sorted runs
    /// and the ledger's streamed from the server (`PostgresIntervalWalk`): memory does not
    /// grow with the number of orders. One REPEATABLE READ transaction.
    ///
    /// - Throws: ``LedgerError/unknownSnapshot(_:)``; `OrderSpillError.duplicateOrder`
    ///   when the file lists an order number twice.
    public func compareOrders(at id: SnapshotID, with orders: SortedOrders, listingAtMost limit: Int = 10)
        async throws -> OrderComparison {
        try await consistentRead { connection in
            var seriesID: Int64?
            for try await series in try await connection.query(
                "SELECT series_id FROM snapshot WHERE id = \(id.rawValue)", logger: logger
            ).decode(Int64.self) { seriesID = series }
            guard let seriesID else { throw LedgerError.unknownSnapshot(id) }
            var comparison = OrderComparisonBuilder(limit: limit)
            var cursor = try orders.makeCursor()
            try await PostgresIntervalWalk.run(seriesID: seriesID, presentAt: id.rawValue, on: connection,
                                               logger: logger) { interval in
                while let order = cursor.current, ByteOrder.compare(order.orderNo, interval.orderNo) < 0 {
                    comparison.readOnly(order)
                    try cursor.advance()
                }
                if let order = cursor.current, ByteOrder.compare(order.orderNo, interval.orderNo) == 0 {
                    comparison.compare(order, interval)
                    try cursor.advance()
                } else {
                    comparison.recordedOnly(interval)
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
