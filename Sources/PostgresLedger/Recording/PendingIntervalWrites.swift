import Ledger
import OrderSpill
import PostgresNIO
import UnpaidCore

/// Closes and opens decided by the interval walk, sent a batch at a time: one UPDATE for the
/// closes, then one COPY for the opens, so a changed order's new interval takes the key its
/// old one leaves. Opens are encoded (and digested for the chain) as they are decided, in
/// key order, which is the digest's order.
struct PendingIntervalWrites {
    /// Writes held before they are sent: a few MB at most, and few round trips.
    static let capacity = 4_096

    private let seriesID: Int64
    private let snapshotID: SnapshotID
    private let encoder: IntervalRowEncoder
    private var closing: [String] = []
    private var opening = ByteBufferAllocator().buffer(capacity: 0)
    private var openingCount = 0
    /// The snapshot chain's digest of the intervals opened so far, in key order.
    private(set) var openedDigest = IntervalDigest()

    init(seriesID: Int64, snapshotID: SnapshotID) {
        self.seriesID = seriesID
        self.snapshotID = snapshotID
        encoder = IntervalRowEncoder(seriesID: seriesID, snapshotID: snapshotID)
    }

    var isFull: Bool { closing.count >= Self.capacity || openingCount >= Self.capacity }

    mutating func close(_ orderNo: UnsafeBufferPointer<UInt8>) {
        closing.append(String(decoding: orderNo, as: UTF8.self))
    }

    mutating func open(_ order: OrderRecord) {
        encoder.encode(order, into: &opening, digest: &openedDigest)
        openingCount += 1
    }

    mutating func flush(on connection: PostgresConnection, logger: Logger) async throws {
        if !closing.isEmpty {
            _ = try await connection.query("""
                UPDATE order_interval SET closed_by_snapshot_id = \(snapshotID.rawValue)
                WHERE series_id = \(seriesID) AND closed_by_snapshot_id = \(PostgresSchema.openInterval)
                  AND order_no = ANY(\(closing))
                """, logger: logger)
            closing.removeAll(keepingCapacity: true)
        }
        if openingCount > 0 {
            let rows = opening
            try await connection.copyFrom(table: "order_interval", columns: OrderIntervalCopy.columns,
                                          logger: logger) { try await $0.write(rows) }
            opening.clear()
            openingCount = 0
        }
    }
}

/// Hears every order that moved during the walk: counts it into the snapshot's diff (which
/// lists only the largest few) and keeps a row for `snapshot_change_order` (the audit keeps
/// every one, whatever their number).
///
/// Those rows reference their currency's `snapshot_change` row, which only the end of the
/// walk can fill in, and PostgreSQL checks the key at once: they wait in a temporary table
/// of the transaction, sent a batch at a time, and move over after the change rows
/// (``moveStoredOrders(snapshotID:on:logger:)``).
struct ChangeOrderRows {
    private static let table = "unpaidd_change_order"

    private(set) var builder = SnapshotDiffBuilder()
    private var pending = ByteBufferAllocator().buffer(capacity: 0)
    private(set) var pendingCount = 0

    /// Creates the transaction's temporary table; it goes at commit or rollback.
    static func prepare(on connection: PostgresConnection, logger: Logger) async throws -> ChangeOrderRows {
        _ = try await connection.query("""
            CREATE TEMPORARY TABLE unpaidd_change_order (
                currency TEXT COLLATE "C" NOT NULL, order_no TEXT COLLATE "C" NOT NULL, change TEXT NOT NULL,
                before_amount_text TEXT, after_amount_text TEXT
            ) ON COMMIT DROP
            """, logger: logger)
        return ChangeOrderRows()
    }

    /// Moves the rows of the walk into `snapshot_change_order`, once the snapshot's
    /// `snapshot_change` rows they reference exist.
    static func moveStoredOrders(snapshotID: SnapshotID, on connection: PostgresConnection,
                                 logger: Logger) async throws {
        _ = try await connection.query("""
            INSERT INTO snapshot_change_order (snapshot_id, currency, order_no, change, before_amount_text,
                                               after_amount_text)
            SELECT \(snapshotID.rawValue), currency, order_no, change, before_amount_text, after_amount_text
            FROM unpaidd_change_order
            """, logger: logger)
    }

    mutating func new(_ order: OrderRecord) {
        builder.addNew(currency: order.currencyString, amount: order.amount, startTime: order.startTime) {
            order.orderNoString
        }
        store(order.orderNo, currency: order.currency, "new", before: nil, after: order.amount)
    }

    mutating func gone(_ interval: OpenIntervalPage.Interval) throws {
        let amount = try Self.amount(of: interval)
        builder.addGone(currency: String(decoding: interval.currency, as: UTF8.self), amount: amount,
                        startTime: interval.startTime) { String(decoding: interval.orderNo, as: UTF8.self) }
        store(interval.orderNo, currency: interval.currency, "gone", before: amount, after: nil)
    }

    /// Same order number and currency, another amount.
    mutating func changed(_ order: OrderRecord, before: Money) {
        builder.addChanged(currency: order.currencyString, before: before, after: order.amount) { order.orderNoString }
        store(order.orderNo, currency: order.currency, "changed", before: before, after: order.amount)
    }

    mutating func flush(on connection: PostgresConnection, logger: Logger) async throws {
        guard pendingCount > 0 else { return }
        let rows = pending
        try await connection.copyFrom(table: Self.table, logger: logger) { try await $0.write(rows) }
        pending.clear()
        pendingCount = 0
    }

    /// A stored amount that is not canonical text is named, not guessed.
    static func amount(of interval: OpenIntervalPage.Interval) throws -> Money {
        guard let amount = Money(decimalBytes: interval.amountText) else {
            let orderNo = String(decoding: interval.orderNo, as: UTF8.self)
            throw LedgerError.corruptValue(table: "order_interval of order \(orderNo) from snapshot",
                                           rowID: interval.firstSnapshotID, column: "amount_text",
                                           value: String(decoding: interval.amountText, as: UTF8.self))
        }
        return amount
    }

    private mutating func store(_ orderNo: UnsafeBufferPointer<UInt8>, currency: UnsafeBufferPointer<UInt8>,
                                _ change: String, before: Money?, after: Money?) {
        OrderIntervalCopy.writeEscaped(currency, into: &pending)
        pending.writeInteger(UInt8(ascii: "\t"))
        OrderIntervalCopy.writeEscaped(orderNo, into: &pending)
        pending.writeInteger(UInt8(ascii: "\t"))
        pending.writeString(change)
        for amount in [before, after] {
            pending.writeInteger(UInt8(ascii: "\t"))
            if let amount {
                amount.withDecimalText { _ = pending.writeBytes($0) }
            } else {
                OrderIntervalCopy.writeNull(into: &pending)
            }
        }
        pending.writeInteger(UInt8(ascii: "\n"))
        pendingCount += 1
    }
}
