import Foundation
import GRDB
import UnpaidCore

/// Turns the orders of a new snapshot into interval writes for its series: unchanged
/// orders are left alone, gone or changed ones are closed, new or changed ones opened.
///
/// Runs inside the snapshot's write transaction. The new orders are sorted by order
/// number bytes and walked side by side with the series' open intervals, which the
/// table's key returns in the same order: a million unchanged orders cost one scan,
/// byte comparisons on SQLite's own buffers, and no write.
struct OrderIntervalWriter {
    /// `closed_by_snapshot_id` of an interval that is still open (see the schema).
    static let open = Int64.max

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

    mutating func apply(_ orders: [UnpaidOrder]) throws {
        let sorted = try sortedByOrderNo(orders)
        let (closing, opening) = try diffWithOpenIntervals(orders, sorted: sorted)
        // Closes first: a changed order's new interval takes the key its old one leaves.
        let close = try RawStatement(db.cachedStatement(sql: """
            UPDATE order_interval SET closed_by_snapshot_id = ?1
            WHERE series_id = ?2 AND closed_by_snapshot_id = \(Self.open) AND order_no = ?3
            """), in: db)
        close.bind(snapshotID.rawValue, at: 1)
        close.bind(seriesID, at: 2)
        for orderNo in closing {
            close.bind(orderNo, at: 3)
            try close.execute()
        }
        try insert(opening.map { orders[$0] })
    }

    /// Opens intervals for `orders`, given in key order so that each insert lands next to
    /// the previous one in the b-tree. Rows go in batches of one statement each: a step
    /// of its own cost a row about as much again in statement start and end.
    private func insert(_ orders: [UnpaidOrder]) throws {
        var texts = TextArena(capacity: orders.count * 5)
        for order in orders {
            texts.append(order.orderNo)
            texts.append(order.currency)
            texts.append(order.productCode)
            texts.append(order.resourceID)
            texts.append(order.modelID)
        }
        let batched = try insertStatement(rows: Self.batchSize)
        let single = try insertStatement(rows: 1)
        try texts.withTexts { text in
            defer {  // the arena goes away after this closure
                batched.clearBindings()
                single.clearBindings()
            }
            var next = 0
            func bind(row: Int, in statement: RawStatement) {
                let order = orders[next], base = Int32(3 + row * 7), field = next * 5
                statement.bind(staticText: text(field), at: base)
                statement.bind(staticText: text(field + 1), at: base + 1)
                AmountText.with(order.totalPrice) { statement.bind(terminatedText: $0, at: base + 2) }
                statement.bind(order.startTime, at: base + 3)
                statement.bind(staticText: text(field + 2), at: base + 4)
                statement.bind(staticText: text(field + 3), at: base + 5)
                statement.bind(staticText: text(field + 4), at: base + 6)
                next += 1
            }
            while orders.count - next >= Self.batchSize {
                for row in 0..<Self.batchSize { bind(row: row, in: batched) }
                try batched.execute()
            }
            while next < orders.count {
                bind(row: 0, in: single)
                try single.execute()
            }
        }
    }

    private static let batchSize = 64

    private func insertStatement(rows: Int) throws -> RawStatement {
        let values = (0..<rows).map { row in
            let base = 3 + row * 7
            return "(?1, " + (base..<(base + 7)).map { "?\($0)" }.joined(separator: ", ") + ", ?2)"
        }
        let statement = try RawStatement(db.cachedStatement(sql: """
            INSERT INTO order_interval (series_id, order_no, currency, amount_text, start_time,
                                        product_code, resource_id, model_id, first_snapshot_id)
            VALUES \(values.joined(separator: ", "))
            """), in: db)
        statement.bind(seriesID, at: 1)
        statement.bind(snapshotID.rawValue, at: 2)
        return statement
    }

    /// Order numbers of the open intervals to close, and positions in `orders` (in key
    /// order) of the intervals to open.
    private func diffWithOpenIntervals(_ orders: [UnpaidOrder], sorted: [Int]) throws -> ([String], [Int]) {
        let open = try RawStatement(db.cachedStatement(sql: """
            SELECT order_no, currency, amount_text, start_time, product_code, resource_id, model_id
            FROM order_interval WHERE series_id = ? AND closed_by_snapshot_id = \(Self.open)
            ORDER BY order_no
            """), in: db)
        open.bind(seriesID, at: 1)
        defer { open.reset() }
        var closing: [String] = []
        var opening: [Int] = []
        var next = 0
        while try open.step() {
            let stored = open.text(at: 0)
            while next < sorted.count, Self.compare(orders[sorted[next]].orderNo, stored) < 0 {
                opening.append(sorted[next])
                next += 1
            }
            guard next < sorted.count, Self.compare(orders[sorted[next]].orderNo, stored) == 0 else {
                closing.append(String(decoding: stored, as: UTF8.self))  // gone
                continue
            }
            let position = sorted[next]
            next += 1
            if !matches(orders[position], row: open) {
                closing.append(orders[position].orderNo)
                opening.append(position)
            }
        }
        opening.append(contentsOf: sorted[next...])
        return (closing, opening)
    }

    // Compared on the stored text, not the value: a rebuilt snapshot prints exactly
    // what its file said, so "1.50" after "1.5" is a change.
    private func matches(_ order: UnpaidOrder, row: RawStatement) -> Bool {
        guard row.int64OrNil(at: 3) == order.startTime,
              Self.equal(order.currency, row.text(at: 1)),
              AmountText.with(order.totalPrice, { Self.equal($0, row.text(at: 2)) }),
              Self.equal(order.productCode, row, 4),
              Self.equal(order.resourceID, row, 5),
              Self.equal(order.modelID, row, 6) else { return false }
        return true
    }

    /// Positions of `orders` sorted by order number bytes (SQLite's BINARY order, the
    /// table's key order); an order number seen twice is an error.
    private func sortedByOrderNo(_ orders: [UnpaidOrder]) throws -> [Int] {
        // Sorting on the first 16 bytes as two integers settles almost every comparison
        // without touching the strings; ties fall back to the whole bytes.
        struct Key { var high: UInt64, low: UInt64, position: Int }
        var keys: [Key] = []
        keys.reserveCapacity(orders.count)
        for position in orders.indices {
            var orderNo = orders[position].orderNo
            orderNo.withUTF8 { bytes in
                var high: UInt64 = 0, low: UInt64 = 0
                for index in 0..<min(bytes.count, 16) {
                    if index < 8 {
                        high |= UInt64(bytes[index]) << (56 - 8 * index)
                    } else {
                        low |= UInt64(bytes[index]) << (56 - 8 * (index - 8))
                    }
                }
                keys.append(Key(high: high, low: low, position: position))
            }
        }
        keys.sort { a, b in
            if a.high != b.high { return a.high < b.high }
            if a.low != b.low { return a.low < b.low }
            return Self.compare(orders[a.position].orderNo, orders[b.position].orderNo) < 0
        }
        for index in keys.indices.dropFirst()
        where keys[index].high == keys[index - 1].high && keys[index].low == keys[index - 1].low
            && Self.compare(orders[keys[index].position].orderNo, orders[keys[index - 1].position].orderNo) == 0 {
            let order = orders[keys[index].position]
            throw LedgerError.duplicateOrder(orderNo: order.orderNo, organizationID: order.organizationID,
                                             fileName: fileName)
        }
        return keys.map(\.position)
    }

    /// memcmp order, shorter first on a common prefix: SQLite's BINARY collation.
    static func compare(_ string: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var string = string
        return string.withUTF8 { compare($0, bytes) }
    }

    static func compare(_ left: String, _ right: String) -> Int {
        var right = right
        return right.withUTF8 { compare(left, $0) }
    }

    static func compare(_ left: UnsafeBufferPointer<UInt8>, _ right: UnsafeBufferPointer<UInt8>) -> Int {
        let common = min(left.count, right.count)
        if common > 0, let l = left.baseAddress, let r = right.baseAddress {
            let order = memcmp(l, r, common)
            if order != 0 { return Int(order) }
        }
        return left.count - right.count
    }

    private static func equal(_ string: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        compare(string, bytes) == 0
    }

    private static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ other: UnsafeBufferPointer<UInt8>) -> Bool {
        compare(bytes, other) == 0
    }

    private static func equal(_ string: String?, _ row: RawStatement, _ column: Int32) -> Bool {
        guard let string else { return row.isNull(at: column) }
        return !row.isNull(at: column) && compare(string, row.text(at: column)) == 0
    }
}
