import Foundation
import GRDB
import UnpaidCore

/// Turns the orders of a new snapshot into interval writes for its series: unchanged
/// orders are left alone, gone or changed ones are closed, new or changed ones opened.
///
/// Runs inside the snapshot's write transaction. The new orders are sorted by order
/// number bytes and walked side by side with the series' open intervals, which the
/// table's key returns in the same order: a million unchanged orders cost one scan,
/// byte comparisons on SQLite's and the packed orders' own buffers, and no write. The
/// same walk sees every order that moved, so the snapshot's diff comes out of it too.
struct OrderIntervalWriter {
    /// `closed_by_snapshot_id` of an interval that is still open (see the schema).
    static let open = Int64.max

    private let db: Database
    private let seriesID: Int64
    private let snapshotID: SnapshotID
    private let fileName: String

    init(db: Database, seriesID: Int64, snapshotID: SnapshotID, fileName: String) {
        self.db = db
        self.seriesID = seriesID
        self.snapshotID = snapshotID
        self.fileName = fileName
    }

    /// Writes the intervals; returns the orders that moved since the open intervals when
    /// `collectingMoves` (the previous snapshot's orders are exactly those intervals),
    /// and the snapshot chain's digests of what it closed and opened.
    func apply(_ orders: PackedOrders, collectingMoves: Bool) throws -> (moves: [OrderMove], digests: IntervalDigests) {
        try orders.withFields { fields in
            let sorted = try sortedByOrderNo(fields, organizationID: orders.organizationID)
            var merge = OpenIntervalMerge(fields: fields, sorted: sorted, collectingMoves: collectingMoves,
                                          snapshotID: snapshotID.rawValue)
            try merge.run(openIntervals: openIntervalsStatement())
            try close(merge.closing)
            try insert(fields, positions: merge.opening)
            var closed = merge.closedDigest, opened = merge.openedDigest
            return (merge.moves, IntervalDigests(closed: closed.finalize(), opened: opened.finalize()))
        }
    }

    private func openIntervalsStatement() throws -> RawStatement {
        let statement = try RawStatement(db.cachedStatement(sql: """
            SELECT order_no, currency, amount_text, start_time, product_code, resource_id, model_id,
                   first_snapshot_id
            FROM order_interval WHERE series_id = ? AND closed_by_snapshot_id = \(Self.open)
            ORDER BY order_no
            """), in: db)
        statement.bind(seriesID, at: 1)
        return statement
    }

    // Closes go first: a changed order's new interval takes the key its old one leaves.
    private func close(_ orderNumbers: [String]) throws {
        let close = try RawStatement(db.cachedStatement(sql: """
            UPDATE order_interval SET closed_by_snapshot_id = ?1
            WHERE series_id = ?2 AND closed_by_snapshot_id = \(Self.open) AND order_no = ?3
            """), in: db)
        close.bind(snapshotID.rawValue, at: 1)
        close.bind(seriesID, at: 2)
        for orderNo in orderNumbers {
            close.bind(orderNo, at: 3)
            try close.execute()
        }
    }

    /// Opens intervals for the orders at `positions`, given in key order so that each
    /// insert lands next to the previous one in the b-tree. Rows go in batches of one
    /// statement each: a step of its own cost a row about as much again in statement
    /// start and end. Texts are bound in place, from the packed orders' buffer.
    private func insert(_ fields: PackedOrders.Fields, positions: [Int]) throws {
        let batched = try insertStatement(rows: Self.batchSize)
        let single = try insertStatement(rows: 1)
        defer {  // the packed orders' buffer is only valid during `apply`
            batched.clearBindings()
            single.clearBindings()
        }
        var next = 0
        func bind(row: Int, in statement: RawStatement) {
            let position = positions[next], base = Int32(3 + row * 7)
            statement.bind(staticText: fields.orderNo(position), at: base)
            statement.bind(staticText: fields.currency(position), at: base + 1)
            AmountText.with(fields.amount(position)) { statement.bind(terminatedText: $0, at: base + 2) }
            statement.bind(fields.startTime(position), at: base + 3)
            statement.bind(staticText: fields.productCode(position), at: base + 4)
            statement.bind(staticText: fields.resourceID(position), at: base + 5)
            statement.bind(staticText: fields.modelID(position), at: base + 6)
            next += 1
        }
        while positions.count - next >= Self.batchSize {
            for row in 0..<Self.batchSize { bind(row: row, in: batched) }
            try batched.execute()
        }
        while next < positions.count {
            bind(row: 0, in: single)
            try single.execute()
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

    /// Positions of the orders sorted by order number bytes (SQLite's BINARY order, the
    /// table's key order); an order number seen twice is an error.
    private func sortedByOrderNo(_ fields: PackedOrders.Fields, organizationID: Int64) throws -> [Int] {
        // Sorting on the first 16 bytes as two integers settles almost every comparison
        // without touching the bytes again; ties fall back to the whole order numbers.
        struct Key { var high: UInt64, low: UInt64, position: Int }
        var keys: [Key] = []
        keys.reserveCapacity(fields.count)
        for position in 0..<fields.count {
            let bytes = fields.orderNo(position)
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
        keys.sort { a, b in
            if a.high != b.high { return a.high < b.high }
            if a.low != b.low { return a.low < b.low }
            return ByteOrder.compare(fields.orderNo(a.position), fields.orderNo(b.position)) < 0
        }
        for index in keys.indices.dropFirst()
        where keys[index].high == keys[index - 1].high && keys[index].low == keys[index - 1].low
            && ByteOrder.compare(fields.orderNo(keys[index].position), fields.orderNo(keys[index - 1].position)) == 0 {
            throw LedgerError.duplicateOrder(orderNo: String(decoding: fields.orderNo(keys[index].position), as: UTF8.self),
                                             organizationID: organizationID, fileName: fileName)
        }
        return keys.map(\.position)
    }
}

/// SQLite's BINARY collation: memcmp order, shorter first on a common prefix.
enum ByteOrder {
    static func compare(_ left: UnsafeBufferPointer<UInt8>, _ right: UnsafeBufferPointer<UInt8>) -> Int {
        let common = min(left.count, right.count)
        if common > 0, let l = left.baseAddress, let r = right.baseAddress {
            let order = memcmp(l, r, common)
            if order != 0 { return Int(order) }
        }
        return left.count - right.count
    }

    static func equal(_ left: UnsafeBufferPointer<UInt8>?, _ right: UnsafeBufferPointer<UInt8>?) -> Bool {
        switch (left, right) {
        case (nil, nil): true
        case let (left?, right?): compare(left, right) == 0
        default: false
        }
    }
}
