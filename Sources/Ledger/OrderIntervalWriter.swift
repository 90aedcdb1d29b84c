import GRDB
import UnpaidCore

/// Turns the orders of a new snapshot into interval writes for its series: unchanged
/// orders are left alone, gone or changed ones are closed, new or changed ones opened.
///
/// Runs inside the snapshot's write transaction. The open intervals are loaded in one
/// query and compared in memory, so a million unchanged orders cost one scan and no write.
struct OrderIntervalWriter {
    private let db: Database
    private let seriesID: Int64
    private let snapshotID: SnapshotID
    private let fileName: String

    init(db: Database, seriesID: Int64, snapshotID: SnapshotID, fileName: String) throws {
        self.db = db
        self.seriesID = seriesID
        self.snapshotID = snapshotID
        self.fileName = fileName
    }

    /// An interval still open before this snapshot, as stored.
    private struct OpenInterval {
        var id: Int64
        var currency: String
        var amountText: String
        var startTime: Int64?
        var productCode: String?
        var resourceID: String?
        var modelID: String?

        // Compared on the stored text, not the value: a rebuilt snapshot prints exactly
        // what its file said, so "1.50" after "1.5" is a change.
        func matches(_ order: UnpaidOrder, amountText: String) -> Bool {
            self.amountText == amountText && currency == order.currency && startTime == order.startTime
                && productCode == order.productCode && resourceID == order.resourceID && modelID == order.modelID
        }
    }

    mutating func apply(_ orders: [UnpaidOrder]) throws {
        let (intervals, indexByOrderNo) = try loadOpenIntervals()
        var seen = [Bool](repeating: false, count: intervals.count)
        let insert = try RawStatement(db.cachedStatement(sql: """
            INSERT INTO order_interval (series_id, order_no, currency, amount_text, start_time,
                                        product_code, resource_id, model_id, first_snapshot_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """), in: db)
        let close = try RawStatement(
            db.cachedStatement(sql: "UPDATE order_interval SET closed_by_snapshot_id = ? WHERE id = ?"), in: db)
        insert.bind(seriesID, at: 1)
        insert.bind(snapshotID.rawValue, at: 9)
        close.bind(snapshotID.rawValue, at: 1)
        for position in Self.indexFriendlyOrder(orders) {
            let order = orders[position]
            let amountText = order.totalPrice.description
            if let index = indexByOrderNo[order.orderNo] {
                guard !seen[index] else { throw duplicate(order) }
                seen[index] = true
                if intervals[index].matches(order, amountText: amountText) { continue }
                close.bind(intervals[index].id, at: 2)
                try close.execute()
            }
            insert.bind(order.orderNo, at: 2)
            insert.bind(order.currency, at: 3)
            insert.bind(amountText, at: 4)
            insert.bind(order.startTime, at: 5)
            insert.bind(order.productCode, at: 6)
            insert.bind(order.resourceID, at: 7)
            insert.bind(order.modelID, at: 8)
            do {
                try insert.execute()
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                // The open-interval index only rejects an order opened twice by this file.
                throw duplicate(order)
            }
        }
        for (index, interval) in intervals.enumerated() where !seen[index] {
            close.bind(interval.id, at: 2)
            try close.execute()
        }
    }

    private func loadOpenIntervals() throws -> ([OpenInterval], [String: Int]) {
        let rows = try Row.fetchCursor(db, sql: """
            SELECT id, order_no, currency, amount_text, start_time, product_code, resource_id, model_id
            FROM order_interval WHERE series_id = ? AND closed_by_snapshot_id IS NULL
            """, arguments: [seriesID])
        let openCount = try Int.fetchOne(db, sql: """
            SELECT count(*) FROM order_interval WHERE series_id = ? AND closed_by_snapshot_id IS NULL
            """, arguments: [seriesID]) ?? 0
        var intervals: [OpenInterval] = []
        intervals.reserveCapacity(openCount)
        var indexByOrderNo: [String: Int] = [:]
        indexByOrderNo.reserveCapacity(openCount)
        while let row = try rows.next() {
            indexByOrderNo[row[1]] = intervals.count
            intervals.append(OpenInterval(id: row[0], currency: row[2], amountText: row[3], startTime: row[4],
                                          productCode: row[5], resourceID: row[6], modelID: row[7]))
        }
        return (intervals, indexByOrderNo)
    }

    /// Positions of `orders` roughly sorted by order number bytes. Inserting a million
    /// keys in random order makes SQLite walk the open-interval index from the root to a
    /// random page each time; in key order consecutive inserts land on the same pages.
    /// Sorting on the first 16 bytes only is enough for that, and far cheaper than
    /// comparing whole strings.
    static func indexFriendlyOrder(_ orders: [UnpaidOrder]) -> [Int] {
        struct Key { var high: UInt64, low: UInt64, position: Int }
        var keys = orders.indices.map { position in
            var high: UInt64 = 0, low: UInt64 = 0
            var byteIndex = 0
            for byte in orders[position].orderNo.utf8.prefix(16) {
                if byteIndex < 8 {
                    high |= UInt64(byte) << (56 - 8 * byteIndex)
                } else {
                    low |= UInt64(byte) << (56 - 8 * (byteIndex - 8))
                }
                byteIndex += 1
            }
            return Key(high: high, low: low, position: position)
        }
        keys.sort { ($0.high, $0.low, $0.position) < ($1.high, $1.low, $1.position) }
        return keys.map(\.position)
    }

    private func duplicate(_ order: UnpaidOrder) -> LedgerError {
        .duplicateOrder(orderNo: order.orderNo, organizationID: order.organizationID, fileName: fileName)
    }
}
