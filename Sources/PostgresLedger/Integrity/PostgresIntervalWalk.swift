import Ledger
import PostgresNIO

/// Every interval of one series, streamed from the server in order number byte order (an
/// order's intervals next to each other, the earlier closing first), as the shared checks
/// need them: the order SQLite's `SeriesIntervalWalk` merges out of its key.
///
/// The server sorts; the client holds one row at a time, as the row stream's backpressure
/// keeps at most a bounded buffer of rows in flight, so memory does not grow with the
/// number of intervals.
enum PostgresIntervalWalk {
    /// With `presentAt`, only the intervals holding that snapshot's orders.
    static func run(seriesID: Int64, presentAt snapshotID: Int64? = nil, on connection: PostgresConnection,
                    logger: Logger, _ visit: (IntervalFields) throws -> Void) async throws {
        let query: PostgresQuery = if let snapshotID {
            """
            SELECT \(unescaped: IntervalRowReader.columns) FROM order_interval
            WHERE series_id = \(seriesID) AND closed_by_snapshot_id > \(snapshotID) AND first_snapshot_id <= \(snapshotID)
            ORDER BY order_no COLLATE "C", closed_by_snapshot_id
            """
        } else {
            """
            SELECT \(unescaped: IntervalRowReader.columns) FROM order_interval WHERE series_id = \(seriesID)
            ORDER BY order_no COLLATE "C", closed_by_snapshot_id
            """
        }
        var reader = IntervalRowReader()
        for try await row in try await connection.query(query, logger: logger) {
            try reader.withFields(of: row, visit)
        }
    }

    /// The series that hold intervals, one key seek each instead of a scan.
    static func seriesWithIntervals(on connection: PostgresConnection, logger: Logger) async throws -> [Int64] {
        var series: [Int64] = []
        var after = Int64.min
        while true {
            let rows = try await connection.query("""
                SELECT series_id FROM order_interval WHERE series_id > \(after) ORDER BY series_id LIMIT 1
                """, logger: logger)
            var next: Int64?
            for try await id in rows.decode(Int64.self) { next = id }
            guard let next else { return series }
            series.append(next)
            after = next
        }
    }
}

/// Gives a streamed `order_interval` row (its ``columns``, in order) to the shared checks
/// as ``IntervalFields``: its texts are copied into one buffer reused row after row, so a
/// million rows cost no allocation each.
struct IntervalRowReader {
    static let columns = """
        order_no, currency, amount_text, start_time, product_code, resource_id, model_id, first_snapshot_id, \
        closed_by_snapshot_id
        """
    private static let textColumns = [0, 1, 2, 4, 5, 6]

    private var bytes: [UInt8] = []
    /// Per column index, where its text sits in `bytes`; nil for NULL or a number.
    private var ranges: [Range<Int>?] = Array(repeating: nil, count: 9)
    private var numbers: [Int64?] = Array(repeating: nil, count: 9)

    mutating func withFields<Result>(of row: PostgresRow, _ body: (IntervalFields) throws -> Result) throws -> Result {
        bytes.removeAll(keepingCapacity: true)
        for cell in row {
            let index = cell.columnIndex
            if Self.textColumns.contains(index) {
                ranges[index] = cell.bytes.map { text in
                    let start = bytes.count
                    bytes.append(contentsOf: text.readableBytesView)
                    return start..<bytes.count
                }
            } else {
                numbers[index] = try cell.decode(Int64?.self)
            }
        }
        return try bytes.withUnsafeBufferPointer { buffer in
            func text(_ index: Int) -> UnsafeBufferPointer<UInt8>? {
                ranges[index].map { UnsafeBufferPointer(rebasing: buffer[$0]) }
            }
            let empty = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
            return try body(IntervalFields(
                orderNo: text(0) ?? empty, currency: text(1) ?? empty, amountText: text(2) ?? empty,
                startTime: numbers[3], productCode: text(4), resourceID: text(5), modelID: text(6),
                firstSnapshotID: numbers[7] ?? 0, closedBy: numbers[8] ?? IntervalFields.open))
        }
    }
}
