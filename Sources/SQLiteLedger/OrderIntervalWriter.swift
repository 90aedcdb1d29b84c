import Foundation
import GRDB
import Ledger
import OrderSpill
import UnpaidCore

/// Turns the orders of a new snapshot into interval writes for its series: unchanged
/// orders are left alone, gone or changed ones are closed, new or changed ones opened.
///
/// Runs inside the snapshot's write transaction, in memory bounded whatever the number
/// of orders: the orders come sorted by order number bytes from their runs
/// (`SortedOrders`) and are walked side by side with the series' open intervals, which
/// the table's key returns in the same order (`OpenIntervalMerge`); the writes the walk
/// decides wait in small batches (`PendingIntervalWrites`). A million unchanged orders
/// cost one scan and no write. The same walk sees every order that moved, so the
/// snapshot's diff comes out of it too.
struct OrderIntervalWriter {
    /// `closed_by_snapshot_id` of an interval that is still open (see the schema).
    static let open = Int64.max

    let db: Database
    let seriesID: Int64
    let snapshotID: SnapshotID
    let fileName: String

    /// Writes the intervals. With `comparing`, every order that moved since the open
    /// intervals (the previous snapshot's orders are exactly those) is stored in
    /// `snapshot_change_order` and summed up in the returned builder (empty otherwise).
    /// Also returns the snapshot chain's digests of what it closed and opened.
    func apply(_ orders: SortedOrders, comparing: Bool) throws -> (moves: SnapshotDiffBuilder, digests: IntervalDigests) {
        var merge = OpenIntervalMerge(
            db: db, seriesID: seriesID, organizationID: orders.organizationID,
            fileName: fileName,
            writes: try PendingIntervalWrites(db: db, seriesID: seriesID, snapshotID: snapshotID),
            changes: comparing ? try ChangeOrderWriter(db: db, snapshotID: snapshotID) : nil)
        try merge.run(orders)
        var closed = merge.closedDigest, opened = merge.writes.openedDigest
        return (merge.changes?.builder ?? SnapshotDiffBuilder(),
                IntervalDigests(closed: closed.finalize(), opened: opened.finalize()))
    }
}

/// Closes and opens decided by the walk, written a batch at a time while no query is
/// stepping over the table. Closes go first: a changed order's new interval takes the key
/// its old one leaves.
///
/// Every interval it opens goes into the snapshot chain's opened digest as it is bound,
/// from the same field views and the same amount text: opens arrive in key order, which
/// is the digest's order, and a million orders are then read and formatted once, not twice.
struct PendingIntervalWrites {
    /// Writes held before they must be flushed: bounds memory, and how often the walk
    /// re-seeks its query.
    static let capacity = 512

    private var closing: [UInt8] = []
    private var closingEnds: [Int] = []
    /// Whole order records, copied: the cursor's view of an order ends at its next step.
    private var opening: [UInt8] = []
    private var openingStarts: [Int] = []
    /// The snapshot chain's digest of the intervals opened so far, in key order.
    private(set) var openedDigest = IntervalDigest()
    private let seriesID: Int64
    private let snapshotID: SnapshotID
    private let close: RawStatement
    private let inserts: IntervalInserts

    init(db: Database, seriesID: Int64, snapshotID: SnapshotID) throws {
        self.seriesID = seriesID
        self.snapshotID = snapshotID
        close = try RawStatement(db.cachedStatement(sql: """
            UPDATE order_interval SET closed_by_snapshot_id = ?1
            WHERE series_id = ?2 AND closed_by_snapshot_id = \(OrderIntervalWriter.open) AND order_no = ?3
            """), in: db)
        inserts = try IntervalInserts(db: db, seriesID: seriesID, snapshotID: snapshotID)
    }

    var isFull: Bool { closingEnds.count >= Self.capacity || openingStarts.count >= Self.capacity }

    mutating func close(_ orderNo: UnsafeBufferPointer<UInt8>) {
        closing.append(contentsOf: orderNo)
        closingEnds.append(closing.count)
    }

    mutating func open(_ order: OrderRecord) {
        openingStarts.append(opening.count)
        opening.append(contentsOf: order.bytes)
    }

    mutating func flush() throws {
        guard !closingEnds.isEmpty || !openingStarts.isEmpty else { return }
        defer {
            closing.removeAll(keepingCapacity: true)
            closingEnds.removeAll(keepingCapacity: true)
            opening.removeAll(keepingCapacity: true)
            openingStarts.removeAll(keepingCapacity: true)
        }
        try closing.withUnsafeBufferPointer { closing in
            defer { close.clearBindings() }  // the bytes bound in place go with this call
            close.bind(snapshotID.rawValue, at: 1)
            close.bind(seriesID, at: 2)
            var start = 0
            for end in closingEnds {
                close.bind(staticText: UnsafeBufferPointer(rebasing: closing[start..<end]), at: 3)
                try close.execute()
                start = end
            }
        }
        try opening.withUnsafeBytes { try inserts.insert(from: $0, starts: openingStarts, digest: &openedDigest) }
    }
}

/// The INSERTs of new intervals: one statement of `batchSize` rows, one of a single row.
private struct IntervalInserts {
    static let batchSize = 64

    let seriesID: Int64
    let snapshotID: SnapshotID
    let batched: RawStatement
    let single: RawStatement

    init(db: Database, seriesID: Int64, snapshotID: SnapshotID) throws {
        self.seriesID = seriesID
        self.snapshotID = snapshotID
        batched = try Self.insertStatement(rows: Self.batchSize, db: db)
        single = try Self.insertStatement(rows: 1, db: db)
    }

    /// Inserts the order records starting at `starts` in `opening`, in that order, and
    /// adds each interval to `digest` from the very bytes it binds.
    func insert(from opening: UnsafeRawBufferPointer, starts: [Int], digest: inout IntervalDigest) throws {
        defer {
            batched.clearBindings()
            single.clearBindings()
        }
        for statement in [batched, single] {
            statement.bind(seriesID, at: 1)
            statement.bind(snapshotID.rawValue, at: 2)
        }
        var next = 0
        func bind(row: Int, in statement: RawStatement) {
            let order = OrderRecord(bytes: opening.baseAddress! + starts[next])
            let orderNo = order.orderNo, currency = order.currency, startTime = order.startTime
            let productCode = order.productCode, resourceID = order.resourceID, modelID = order.modelID
            let base = Int32(3 + row * 7)
            statement.bind(staticText: orderNo, at: base)
            statement.bind(staticText: currency, at: base + 1)
            statement.bind(startTime, at: base + 3)
            statement.bind(staticText: productCode, at: base + 4)
            statement.bind(staticText: resourceID, at: base + 5)
            statement.bind(staticText: modelID, at: base + 6)
            order.amount.withDecimalText { amountText in
                statement.bind(terminatedText: amountText, at: base + 2)
                digest.add(orderNo: orderNo, currency: currency, amountText: amountText, startTime: startTime,
                           productCode: productCode, resourceID: resourceID, modelID: modelID,
                           firstSnapshotID: snapshotID.rawValue)
            }
            next += 1
        }
        // Rows go in batches of one statement each: a step of its own cost a row about
        // as much again in statement start and end.
        while starts.count - next >= Self.batchSize {
            for row in 0..<Self.batchSize { bind(row: row, in: batched) }
            try batched.execute()
        }
        while next < starts.count {
            bind(row: 0, in: single)
            try single.execute()
        }
    }

    private static func insertStatement(rows: Int, db: Database) throws -> RawStatement {
        let values = (0..<rows).map { row in
            let base = 3 + row * 7
            return "(?1, " + (base..<(base + 7)).map { "?\($0)" }.joined(separator: ", ") + ", ?2)"
        }
        return try RawStatement(db.cachedStatement(sql: """
            INSERT INTO order_interval (series_id, order_no, currency, amount_text, start_time,
                                        product_code, resource_id, model_id, first_snapshot_id)
            VALUES \(values.joined(separator: ", "))
            """), in: db)
    }
}
