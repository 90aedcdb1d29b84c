import Ledger
import OrderSpill
import PostgresNIO
import UnpaidCore

/// `order_interval` rows in COPY's text format, straight from sorted order records: a
/// snapshot's opened intervals are encoded once, never copied into Strings.
///
/// Each row is added to the snapshot chain's opened digest from the very bytes it sends,
/// as SQLite's writer digests what it binds: the two backends then hash the same text.
struct IntervalRowEncoder {
    /// The series column and its tab; the tab and the first snapshot column and the newline.
    private let prefix: [UInt8], suffix: [UInt8]
    let snapshotID: Int64

    init(seriesID: Int64, snapshotID: SnapshotID) {
        prefix = Array("\(seriesID)\t".utf8)
        suffix = Array("\t\(snapshotID.rawValue)\n".utf8)
        self.snapshotID = snapshotID.rawValue
    }

    /// Appends `order` as an open interval, in ``OrderIntervalCopy/columns`` order.
    func encode(_ order: OrderRecord, into buffer: inout ByteBuffer, digest: inout IntervalDigest) {
        let orderNo = order.orderNo, currency = order.currency, startTime = order.startTime
        let productCode = order.productCode, resourceID = order.resourceID, modelID = order.modelID
        buffer.writeBytes(prefix)
        OrderIntervalCopy.writeEscaped(orderNo, into: &buffer)
        buffer.writeInteger(UInt8(ascii: "\t"))
        OrderIntervalCopy.writeEscaped(currency, into: &buffer)
        buffer.writeInteger(UInt8(ascii: "\t"))
        order.amount.withDecimalText { amountText in
            buffer.writeBytes(amountText)
            digest.add(orderNo: orderNo, currency: currency, amountText: amountText, startTime: startTime,
                       productCode: productCode, resourceID: resourceID, modelID: modelID, firstSnapshotID: snapshotID)
        }
        buffer.writeInteger(UInt8(ascii: "\t"))
        if let startTime { buffer.writeString(String(startTime)) } else { OrderIntervalCopy.writeNull(into: &buffer) }
        OrderIntervalCopy.writeOptional(productCode, into: &buffer)
        OrderIntervalCopy.writeOptional(resourceID, into: &buffer)
        OrderIntervalCopy.writeOptional(modelID, into: &buffer)
        buffer.writeBytes(suffix)
    }
}

/// Reading a snapshot's sorted orders: an order number met twice is the file's fault, and
/// the error names the file.
struct SortedOrderReading {
    let organizationID: Int64
    let fileName: String

    func cursor(_ orders: SortedOrders) throws -> SortedOrderCursor {
        try mapped { () throws(OrderSpillError) in try orders.makeCursor() }
    }

    func advance(_ cursor: inout SortedOrderCursor) throws {
        try mapped { () throws(OrderSpillError) in try cursor.advance() }
    }

    private func mapped<T>(_ body: () throws(OrderSpillError) -> T) throws -> T {
        do {
            return try body()
        } catch .duplicateOrder(let orderNo, _) {
            throw LedgerError.duplicateOrder(orderNo: orderNo, organizationID: organizationID, fileName: fileName)
        }
    }
}

extension IntervalRowEncoder {
    /// Opens every order of a series' first snapshot with one COPY, streamed from the
    /// sorted runs a chunk at a time: memory stays flat whatever the count, and the key's
    /// b-tree grows at its right edge. Returns the opened digest.
    func copyAll(_ orders: SortedOrders, reading: SortedOrderReading, on connection: PostgresConnection,
                 logger: Logger) async throws -> IntervalDigest {
        var digest = IntervalDigest()
        var cursor = try reading.cursor(orders)
        guard cursor.current != nil else { return digest }
        try await connection.copyFrom(table: "order_interval", columns: OrderIntervalCopy.columns, logger: logger) { writer in
            var buffer = ByteBufferAllocator().buffer(capacity: OrderIntervalCopy.chunkBytes + 4_096)
            while let order = cursor.current {
                encode(order, into: &buffer, digest: &digest)
                try reading.advance(&cursor)
                if buffer.writerIndex >= OrderIntervalCopy.chunkBytes {
                    try await writer.write(buffer)
                    buffer.clear()
                }
            }
            if buffer.writerIndex > 0 { try await writer.write(buffer) }
        }
        return digest
    }
}
