import UnpaidCore

/// One walk over a series' open intervals (sorted by order number) beside a new
/// snapshot's orders in the same order: which intervals close, which open, and, when
/// asked, how each order moved for the snapshot's diff.
struct OpenIntervalMerge {
    let fields: PackedOrders.Fields
    /// Positions of the new orders in key order.
    let sorted: [Int]
    let collectingMoves: Bool
    /// The new snapshot: the first snapshot of every interval it opens.
    let snapshotID: Int64

    private(set) var closing: [String] = []
    /// Positions of the new orders to open, in key order.
    private(set) var opening: [Int] = []
    private(set) var moves: [OrderMove] = []
    /// The snapshot chain's digests of the closed and opened intervals, fed in key order.
    private(set) var closedDigest = IntervalDigest()
    private(set) var openedDigest = IntervalDigest()

    init(fields: PackedOrders.Fields, sorted: [Int], collectingMoves: Bool, snapshotID: Int64) {
        self.fields = fields
        self.sorted = sorted
        self.collectingMoves = collectingMoves
        self.snapshotID = snapshotID
    }

    /// Columns of `openIntervals`: order_no, currency, amount_text, start_time,
    /// product_code, resource_id, model_id, first_snapshot_id.
    mutating func run(openIntervals row: RawStatement) throws {
        defer { row.reset() }
        var next = 0
        while try row.step() {
            let stored = row.text(at: 0)
            while next < sorted.count, ByteOrder.compare(fields.orderNo(sorted[next]), stored) < 0 {
                open(sorted[next])
                next += 1
            }
            guard next < sorted.count, ByteOrder.compare(fields.orderNo(sorted[next]), stored) == 0 else {
                if collectingMoves {
                    let gone = try storedOrder(row)
                    moves.append(.gone(currency: gone.currency, gone.amount))
                }
                closing.append(string(stored))
                digestClosing(row)
                continue
            }
            let position = sorted[next]
            next += 1
            if !matches(position, row: row) { try replace(position, row: row) }
        }
        for position in sorted[next...] { open(position) }
    }

    private mutating func open(_ position: Int) {
        opening.append(position)
        digestOpening(position)
        if collectingMoves { moves.append(.new(currency: string(fields.currency(position)), amount(position))) }
    }

    /// The same order number with other fields: the old interval closes, a new one opens.
    /// For the diff, a new currency is the order leaving one total and joining another;
    /// only another amount by value is a change (`1.50` after `1.5` reopens the interval,
    /// since the ledger keeps what the file said, but moves no total).
    private mutating func replace(_ position: Int, row: RawStatement) throws {
        closing.append(string(fields.orderNo(position)))
        opening.append(position)
        digestClosing(row)
        digestOpening(position)
        guard collectingMoves else { return }
        let before = try storedOrder(row)
        let currency = string(fields.currency(position))
        if before.currency != currency {
            moves.append(.gone(currency: before.currency, before.amount))
            moves.append(.new(currency: currency, amount(position)))
        } else if before.amount.amount != fields.amount(position) {
            moves.append(.changed(currency: currency, ChangedOrder(orderNo: before.amount.orderNo,
                                                                  before: before.amount.amount,
                                                                  after: fields.amount(position))))
        }
    }

    private mutating func digestClosing(_ row: RawStatement) {
        closedDigest.add(orderNo: row.text(at: 0), currency: row.text(at: 1), amountText: row.text(at: 2),
                         startTime: row.int64OrNil(at: 3), productCode: row.optionalText(at: 4),
                         resourceID: row.optionalText(at: 5), modelID: row.optionalText(at: 6),
                         firstSnapshotID: row.int64OrNil(at: 7) ?? 0)
    }

    private mutating func digestOpening(_ position: Int) {
        AmountText.with(fields.amount(position)) { amountText in
            openedDigest.add(orderNo: fields.orderNo(position), currency: fields.currency(position),
                             amountText: amountText, startTime: fields.startTime(position),
                             productCode: fields.productCode(position), resourceID: fields.resourceID(position),
                             modelID: fields.modelID(position), firstSnapshotID: snapshotID)
        }
    }

    // Compared on the stored text, not the value: a rebuilt snapshot prints exactly
    // what its file said, so "1.50" after "1.5" is a change.
    private func matches(_ position: Int, row: RawStatement) -> Bool {
        row.int64OrNil(at: 3) == fields.startTime(position)
            && ByteOrder.equal(fields.currency(position), row.text(at: 1))
            && AmountText.with(fields.amount(position)) { ByteOrder.equal($0, row.text(at: 2)) }
            && ByteOrder.equal(fields.productCode(position), row.optionalText(at: 4))
            && ByteOrder.equal(fields.resourceID(position), row.optionalText(at: 5))
            && ByteOrder.equal(fields.modelID(position), row.optionalText(at: 6))
    }

    private func amount(_ position: Int) -> OrderAmount {
        OrderAmount(orderNo: string(fields.orderNo(position)), amount: fields.amount(position),
                    startTime: fields.startTime(position))
    }

    private func storedOrder(_ row: RawStatement) throws -> (currency: String, amount: OrderAmount) {
        let orderNo = string(row.text(at: 0))
        guard let amount = Money(decimalBytes: row.text(at: 2)) else {
            throw LedgerError.corruptValue(table: "order_interval of order \(orderNo) from snapshot",
                                           rowID: row.int64OrNil(at: 7) ?? 0, column: "amount_text",
                                           value: string(row.text(at: 2)))
        }
        return (string(row.text(at: 1)), OrderAmount(orderNo: orderNo, amount: amount, startTime: row.int64OrNil(at: 3)))
    }

    private func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}
