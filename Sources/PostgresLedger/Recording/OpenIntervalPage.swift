import Ledger
import PostgresNIO
import UnpaidCore

/// One keyset page of a series' open intervals, in order-number byte order (`COLLATE "C"`).
///
/// The walk cannot step a query while it writes on the same connection, so it reads the
/// open intervals a page at a time: each page is a finished query, and the next one starts
/// just past the page's last order number, which no write of the walk has gone beyond. The
/// texts of a page sit in one buffer, so the walk compares and digests them in place.
final class OpenIntervalPage {
    /// Rows per page: a few MB at most, and a million open intervals in a hundred queries.
    static let capacity = 10_000

    /// One open interval as stored; its texts are valid while the page lives.
    struct Interval {
        var orderNo: UnsafeBufferPointer<UInt8>
        var currency: UnsafeBufferPointer<UInt8>
        var amountText: UnsafeBufferPointer<UInt8>
        var startTime: Int64?
        var productCode: UnsafeBufferPointer<UInt8>?
        var resourceID: UnsafeBufferPointer<UInt8>?
        var modelID: UnsafeBufferPointer<UInt8>?
        var firstSnapshotID: Int64

        /// Adds the interval to one of the snapshot chain's digests.
        func feed(_ digest: inout IntervalDigest) {
            digest.add(orderNo: orderNo, currency: currency, amountText: amountText, startTime: startTime,
                       productCode: productCode, resourceID: resourceID, modelID: modelID,
                       firstSnapshotID: firstSnapshotID)
        }
    }

    /// The texts of a row, as selected: order number, currency, amount, then the three
    /// optional ones.
    private static let textColumns = 6

    private let bytes: UnsafeMutableBufferPointer<UInt8>
    /// Where each row's texts are in `bytes`, `textColumns` per row; nil for NULL.
    private let texts: [Range<Int>?]
    private let startTimes: [Int64?]
    private let firstSnapshotIDs: [Int64]

    var count: Int { firstSnapshotIDs.count }
    /// Whether the series may hold open intervals past this page.
    var isFull: Bool { count == Self.capacity }

    private init(bytes: [UInt8], texts: [Range<Int>?], startTimes: [Int64?], firstSnapshotIDs: [Int64]) {
        self.bytes = .allocate(capacity: max(bytes.count, 1))
        _ = self.bytes.initialize(from: bytes)
        self.texts = texts
        self.startTimes = startTimes
        self.firstSnapshotIDs = firstSnapshotIDs
    }

    deinit { bytes.deallocate() }

    subscript(index: Int) -> Interval {
        let base = index * Self.textColumns
        func text(_ field: Int) -> UnsafeBufferPointer<UInt8>? {
            texts[base + field].map { UnsafeBufferPointer(rebasing: bytes[$0]) }
        }
        return Interval(orderNo: text(0)!, currency: text(1)!, amountText: text(2)!, startTime: startTimes[index],
                        productCode: text(3), resourceID: text(4), modelID: text(5),
                        firstSnapshotID: firstSnapshotIDs[index])
    }

    /// The last order number of the page, where the next page starts after.
    var lastOrderNo: String {
        String(decoding: self[count - 1].orderNo, as: UTF8.self)
    }

    /// The open intervals of `seriesID` whose order number sorts after `after` ("" for the
    /// first page: no order number is empty).
    static func read(seriesID: Int64, after: String, on connection: PostgresConnection,
                     logger: Logger) async throws -> OpenIntervalPage {
        let result = try await connection.query("""
            SELECT order_no, currency, amount_text, product_code, resource_id, model_id, start_time, first_snapshot_id
            FROM order_interval
            WHERE series_id = \(seriesID) AND closed_by_snapshot_id = \(PostgresSchema.openInterval) AND order_no > \(after)
            ORDER BY order_no LIMIT \(Self.capacity)
            """, logger: logger)
        var bytes: [UInt8] = []
        var texts: [Range<Int>?] = [], startTimes: [Int64?] = [], firstSnapshotIDs: [Int64] = []
        texts.reserveCapacity(Self.capacity * Self.textColumns)
        for try await row in result {
            // Text columns come as their UTF-8 bytes, kept as the server sent them.
            for (column, cell) in row.enumerated() {
                switch column {
                case ..<Self.textColumns:
                    texts.append(cell.bytes.map { text in
                        let start = bytes.count
                        bytes.append(contentsOf: text.readableBytesView)
                        return start..<bytes.count
                    })
                case Self.textColumns: startTimes.append(try cell.decode(Int64?.self))
                default: firstSnapshotIDs.append(try cell.decode(Int64.self))
                }
            }
        }
        return OpenIntervalPage(bytes: bytes, texts: texts, startTimes: startTimes, firstSnapshotIDs: firstSnapshotIDs)
    }
}
