import GRDB
import Ledger
import OrderSpill

/// One stored interval during a `SeriesIntervalWalk`; its bytes are valid only during
/// the visit.
struct IntervalRow {
    fileprivate let statement: RawStatement
    let seriesID: Int64
    let closedBy: Int64

    var orderNo: UnsafeBufferPointer<UInt8> { statement.text(at: 0) }
    var firstSnapshotID: Int64 { statement.int64OrNil(at: 7) ?? 0 }

    /// The row as the shared checks read it.
    var fields: IntervalFields {
        IntervalFields(orderNo: statement.text(at: 0), currency: statement.text(at: 1), amountText: statement.text(at: 2),
                       startTime: statement.int64OrNil(at: 3), productCode: statement.optionalText(at: 4),
                       resourceID: statement.optionalText(at: 5), modelID: statement.optionalText(at: 6),
                       firstSnapshotID: firstSnapshotID, closedBy: closedBy)
    }
}

/// Every interval of one series, once, in order number byte order (an order's intervals
/// next to each other, the earlier closing first), without sorting and in memory that
/// does not grow with the number of intervals.
///
/// The table's key is (series, closing snapshot, order number): each closing snapshot's
/// intervals are a range already sorted by order number, so the walk merges one cursor
/// per closing snapshot. Each snapshot's opened and closed intervals then come in the
/// order its digests need, whichever range they sit in.
///
/// With `closedAfter`, only the intervals still open after that snapshot are walked: they
/// hold its orders (those it or an earlier snapshot opened) and those opened later.
enum SeriesIntervalWalk {
    static func run(seriesID: Int64, closedAfter: Int64 = Int64.min, in db: Database,
                    _ visit: (IntervalRow) throws -> Void) throws {
        var cursors: [(statement: RawStatement, closedBy: Int64)] = []
        for closedBy in try closingSnapshots(seriesID: seriesID, after: closedAfter, in: db) {
            let statement = try RawStatement(db.makeStatement(sql: """
                SELECT order_no, currency, amount_text, start_time, product_code, resource_id, model_id,
                       first_snapshot_id
                FROM order_interval WHERE series_id = ?1 AND closed_by_snapshot_id = ?2 ORDER BY order_no
                """), in: db)
            statement.bind(seriesID, at: 1)
            statement.bind(closedBy, at: 2)
            if try statement.step() { cursors.append((statement, closedBy)) }
        }
        defer { for cursor in cursors { cursor.statement.reset() } }
        // A binary min-heap of cursor positions, by current order number, then by position
        // (cursors are in closing order).
        var heap = Array(cursors.indices)
        func precedes(_ a: Int, _ b: Int) -> Bool {
            let order = ByteOrder.compare(cursors[a].statement.text(at: 0), cursors[b].statement.text(at: 0))
            return order != 0 ? order < 0 : a < b
        }
        func siftDown(_ start: Int) {
            var parent = start
            while true {
                let left = 2 * parent + 1, right = left + 1
                var smallest = parent
                if left < heap.count, precedes(heap[left], heap[smallest]) { smallest = left }
                if right < heap.count, precedes(heap[right], heap[smallest]) { smallest = right }
                if smallest == parent { return }
                heap.swapAt(parent, smallest)
                parent = smallest
            }
        }
        for index in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(index) }
        while let top = heap.first {
            let cursor = cursors[top]
            try visit(IntervalRow(statement: cursor.statement, seriesID: seriesID, closedBy: cursor.closedBy))
            if try cursor.statement.step() {
                siftDown(0)
            } else {
                heap[0] = heap[heap.count - 1]
                heap.removeLast()
                if !heap.isEmpty { siftDown(0) }
            }
        }
    }

    /// The distinct closing snapshots of the series' intervals after `after` (the open
    /// marker last), one key seek each instead of a scan.
    static func closingSnapshots(seriesID: Int64, after first: Int64 = Int64.min, in db: Database) throws -> [Int64] {
        let next = try RawStatement(db.cachedStatement(sql: """
            SELECT closed_by_snapshot_id FROM order_interval
            WHERE series_id = ?1 AND closed_by_snapshot_id > ?2 ORDER BY closed_by_snapshot_id LIMIT 1
            """), in: db)
        defer { next.reset() }
        next.bind(seriesID, at: 1)
        var values: [Int64] = []
        var after = first
        while true {
            next.bind(after, at: 2)
            guard try next.step(), let value = next.int64OrNil(at: 0) else { return values }
            values.append(value)
            next.reset()
            if value == Int64.max { return values }
            after = value
        }
    }
}
