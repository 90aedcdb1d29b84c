import Logging
import PostgresNIO
import UnpaidCore

/// Writes orders as open intervals with one `COPY order_interval FROM STDIN`: a
/// million-order first snapshot is one statement streaming text rows, not a million INSERTs.
///
/// Rows are encoded straight from ``PackedOrders``' bytes into buffers of about
/// ``chunkBytes`` and sent as they fill, so memory stays flat whatever the count. The
/// statement-level trigger checks every row's snapshot at the end, once.
public struct OrderIntervalCopy: Sendable {
    public static let columns = ["series_id", "order_no", "currency", "amount_text", "start_time",
                                 "product_code", "resource_id", "model_id", "first_snapshot_id"]
    /// Large enough that the per-message cost vanishes, small enough to keep the socket busy.
    public static let chunkBytes = 256 * 1024

    public let seriesID: Int64
    public let firstSnapshotID: Int64

    public init(seriesID: Int64, firstSnapshotID: Int64) {
        self.seriesID = seriesID
        self.firstSnapshotID = firstSnapshotID
    }

    /// Copies the orders at `positions` (all of them by default) on `connection`, inside the
    /// caller's transaction. Give them in order-number byte order, as the pipeline sorts them:
    /// the key's b-tree then grows at its right edge, and a million rows go in about twice as
    /// fast as in file order (`unpaidd-bench postgres-copy`).
    /// - Throws: ``PostgresLedgerError``: `.invariantViolated` when a row breaks a rule (a
    ///   duplicate order number, a snapshot of another series), nothing of the COPY kept.
    public func copy(_ orders: PackedOrders, positions: [Int]? = nil,
                     on connection: PostgresConnection, logger: Logger) async throws {
        var pending = (positions ?? Array(orders.indices))[...]
        let prefix = Array("\(seriesID)\t".utf8), suffix = Array("\t\(firstSnapshotID)\n".utf8)
        do {
            try await connection.copyFrom(table: "order_interval", columns: Self.columns, logger: logger) { writer in
                var buffer = ByteBufferAllocator().buffer(capacity: Self.chunkBytes + 4_096)
                while !pending.isEmpty {
                    pending = orders.withFields { fields in
                        var rest = pending
                        while let position = rest.first, buffer.writerIndex < Self.chunkBytes {
                            Self.encodeRow(fields, position, prefix: prefix, suffix: suffix, into: &buffer)
                            rest = rest.dropFirst()
                        }
                        return rest
                    }
                    try await writer.write(buffer)
                    buffer.clear()
                }
            }
        } catch let error as PSQLError {
            throw PostgresLedgerError.from(error)
        }
    }

    /// One line of COPY's text format: tab-separated, `\N` for NULL, a row per line.
    /// `prefix` is the series column and its tab, `suffix` the first snapshot column and the newline.
    private static func encodeRow(_ fields: PackedOrders.Fields, _ position: Int, prefix: [UInt8], suffix: [UInt8],
                                  into buffer: inout ByteBuffer) {
        buffer.writeBytes(prefix)
        writeEscaped(fields.orderNo(position), into: &buffer)
        buffer.writeInteger(UInt8(ascii: "\t"))
        writeEscaped(fields.currency(position), into: &buffer)
        buffer.writeInteger(UInt8(ascii: "\t"))
        fields.amount(position).withDecimalText { _ = buffer.writeBytes($0) }
        buffer.writeInteger(UInt8(ascii: "\t"))
        if let startTime = fields.startTime(position) { buffer.writeString(String(startTime)) } else { writeNull(into: &buffer) }
        writeOptional(fields.productCode(position), into: &buffer)
        writeOptional(fields.resourceID(position), into: &buffer)
        writeOptional(fields.modelID(position), into: &buffer)
        buffer.writeBytes(suffix)
    }

    /// A tab, then the text or `\N`.
    static func writeOptional(_ text: UnsafeBufferPointer<UInt8>?, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "\t"))
        if let text { writeEscaped(text, into: &buffer) } else { writeNull(into: &buffer) }
    }

    static func writeNull(into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "\\"))
        buffer.writeInteger(UInt8(ascii: "N"))
    }

    /// Backslash, tab, newline and carriage return are the bytes COPY's text format gives a
    /// meaning; everything else (UTF-8 included) goes as it is.
    static func writeEscaped(_ bytes: UnsafeBufferPointer<UInt8>, into buffer: inout ByteBuffer) {
        guard bytes.contains(where: { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) else {
            buffer.writeBytes(bytes)
            return
        }
        for byte in bytes {
            switch byte {
            case 0x5C: buffer.writeBytes([0x5C, 0x5C])
            case 0x09: buffer.writeBytes([0x5C, UInt8(ascii: "t")])
            case 0x0A: buffer.writeBytes([0x5C, UInt8(ascii: "n")])
            case 0x0D: buffer.writeBytes([0x5C, UInt8(ascii: "r")])
            default: buffer.writeInteger(byte)
            }
        }
    }
}
