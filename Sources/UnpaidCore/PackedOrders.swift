/// The orders of one organization's export, packed: every text in one byte buffer and a
/// fixed 64-byte record per order beside it, with the per-currency totals kept as rows
/// arrive.
///
/// A million `UnpaidOrder`s cost about 700 MB (five Strings and their headers each);
/// packed they cost about 100 MB, in two allocations, and the ledger reads them in
/// place — sorting, comparing and binding bytes without a String or a retain.
public struct PackedOrders: Sendable {
    public let organizationID: Int64
    /// Count and exact sum per currency, as the snapshot's totals.
    public private(set) var totals: [String: Total] = [:]
    private var texts: [UInt8] = []
    private var records: [Record] = []

    @usableFromInline struct Record: Sendable {
        @usableFromInline var units: Int128
        @usableFromInline var startTime: Int64
        /// Where the order's texts begin in `texts`: order number, currency, product
        /// code, resource id, model id, one after the other.
        @usableFromInline var textStart: Int
        /// Where each of the five texts ends, counted from `textStart`.
        @usableFromInline var orderNoEnd: UInt32
        @usableFromInline var currencyEnd: UInt32
        @usableFromInline var productCodeEnd: UInt32
        @usableFromInline var resourceIDEnd: UInt32
        @usableFromInline var modelIDEnd: UInt32
        @usableFromInline var scale: UInt8
        /// Bit `field` set: that optional text is absent (nil, not empty).
        @usableFromInline var absentFields: UInt8
        @usableFromInline var hasStartTime: Bool

        /// Bounds of text `field` (0 order number ... 4 model id) from `textStart`.
        @inlinable func bounds(of field: Int) -> Range<Int> {
            switch field {
            case 0: 0..<Int(orderNoEnd)
            case 1: Int(orderNoEnd)..<Int(currencyEnd)
            case 2: Int(currencyEnd)..<Int(productCodeEnd)
            case 3: Int(productCodeEnd)..<Int(resourceIDEnd)
            default: Int(resourceIDEnd)..<Int(modelIDEnd)
            }
        }
    }

    /// A row of another organization than the one the orders are packed for.
    public struct ForeignOrder: Error, Sendable, Equatable, CustomStringConvertible {
        public let orderNo: String
        public let organizationID: Int64

        public var description: String {
            "order \(orderNo) belongs to organization \(organizationID), not to the one being recorded"
        }

        public init(orderNo: String, organizationID: Int64) {
            self.orderNo = orderNo
            self.organizationID = organizationID
        }
    }

    public init(organizationID: Int64, capacity: Int = 0) {
        self.organizationID = organizationID
        records.reserveCapacity(capacity)
    }

    public init(organizationID: Int64, _ orders: some Sequence<UnpaidOrder>) throws(ForeignOrder) {
        self.init(organizationID: organizationID, capacity: orders.underestimatedCount)
        for order in orders { try append(order) }
    }

    public mutating func append(_ order: UnpaidOrder) throws(ForeignOrder) {
        guard order.organizationID == organizationID else {
            throw ForeignOrder(orderNo: order.orderNo, organizationID: order.organizationID)
        }
        append(currency: order.currency, amount: order.totalPrice, startTime: order.startTime) { field, add in
            let text = switch field {
            case .orderNo: order.orderNo as String?
            case .productCode: order.productCode
            case .resourceID: order.resourceID
            case .modelID: order.modelID
            }
            guard var text else { return add(nil) }
            text.withUTF8 { add($0) }
        }
    }

    /// The texts of an order besides its currency, in the order `append` asks for them.
    public enum TextField: CaseIterable, Sendable {
        case orderNo, productCode, resourceID, modelID
    }

    /// Appends an order of this organization whose texts are bytes that may not outlive
    /// the call (a reader's row buffer): `texts` is asked for each field in turn and
    /// hands it to the `add` it is given, which copies it; nil is an absent text (an
    /// order number is never absent: nil is kept as empty). If `texts` throws, nothing
    /// of the order is kept.
    public mutating func append(
        currency: String, amount: Money, startTime: Int64?,
        texts fill: (TextField, (UnsafeBufferPointer<UInt8>?) -> Void) throws -> Void
    ) rethrows {
        let start = texts.count
        var absent: UInt8 = 0
        func add(_ field: TextField, bit: UInt8) throws -> UInt32 {
            try fill(field) { bytes in
                if let bytes { texts.append(contentsOf: bytes) } else { absent |= 1 << bit }
            }
            return UInt32(texts.count - start)  // the reader caps a cell far below 4 GiB
        }
        let orderNoEnd: UInt32, currencyEnd: UInt32, productCodeEnd: UInt32, resourceIDEnd: UInt32, modelIDEnd: UInt32
        do {
            orderNoEnd = try add(.orderNo, bit: 0)
            texts.append(contentsOf: currency.utf8)
            currencyEnd = UInt32(texts.count - start)
            productCodeEnd = try add(.productCode, bit: 2)
            resourceIDEnd = try add(.resourceID, bit: 3)
            modelIDEnd = try add(.modelID, bit: 4)
        } catch {
            texts.removeSubrange(start...)
            throw error
        }
        records.append(Record(
            units: amount.units, startTime: startTime ?? 0, textStart: start,
            orderNoEnd: orderNoEnd, currencyEnd: currencyEnd, productCodeEnd: productCodeEnd,
            resourceIDEnd: resourceIDEnd, modelIDEnd: modelIDEnd,
            scale: UInt8(amount.scale), absentFields: absent & ~1, hasStartTime: startTime != nil))
        totals[currency, default: Total()].add(amount)
    }

    /// Calls `body` with a view of the orders' bytes, valid only during `body`.
    public func withFields<Result>(_ body: (Fields) throws -> Result) rethrows -> Result {
        try texts.withUnsafeBufferPointer { texts in
            try records.withUnsafeBufferPointer { records in
                try body(Fields(texts: texts, records: records))
            }
        }
    }

    /// The orders' fields in place. Texts are the UTF-8 bytes the export had, without
    /// a terminating NUL; an absent optional text is nil.
    public struct Fields {
        @usableFromInline let texts: UnsafeBufferPointer<UInt8>
        @usableFromInline let records: UnsafeBufferPointer<Record>

        @inlinable public var count: Int { records.count }

        @inlinable public func orderNo(_ position: Int) -> UnsafeBufferPointer<UInt8> {
            text(position, field: 0)!
        }

        @inlinable public func currency(_ position: Int) -> UnsafeBufferPointer<UInt8> {
            text(position, field: 1)!
        }

        @inlinable public func productCode(_ position: Int) -> UnsafeBufferPointer<UInt8>? { text(position, field: 2) }
        @inlinable public func resourceID(_ position: Int) -> UnsafeBufferPointer<UInt8>? { text(position, field: 3) }
        @inlinable public func modelID(_ position: Int) -> UnsafeBufferPointer<UInt8>? { text(position, field: 4) }

        @inlinable public func amount(_ position: Int) -> Money {
            Money(units: records[position].units, scale: Int(records[position].scale))
        }

        @inlinable public func startTime(_ position: Int) -> Int64? {
            records[position].hasStartTime ? records[position].startTime : nil
        }

        @inlinable func text(_ position: Int, field: Int) -> UnsafeBufferPointer<UInt8>? {
            let record = records[position]
            guard record.absentFields & (1 << field) == 0 else { return nil }
            let bounds = record.bounds(of: field)
            return UnsafeBufferPointer(rebasing: texts[(record.textStart + bounds.lowerBound)..<(record.textStart + bounds.upperBound)])
        }
    }
}

extension PackedOrders: RandomAccessCollection {
    public var startIndex: Int { 0 }
    public var endIndex: Int { records.count }

    /// The order at `position`, unpacked into Strings: for the few orders a report or an
    /// alert names, not for walking a million.
    public subscript(position: Int) -> UnpaidOrder {
        withFields { fields in
            func string(_ bytes: UnsafeBufferPointer<UInt8>?) -> String? {
                bytes.map { String(decoding: $0, as: UTF8.self) }
            }
            return UnpaidOrder(
                orderNo: string(fields.orderNo(position))!, organizationID: organizationID,
                currency: string(fields.currency(position))!, totalPrice: fields.amount(position),
                startTime: fields.startTime(position), productCode: string(fields.productCode(position)),
                resourceID: string(fields.resourceID(position)), modelID: string(fields.modelID(position)))
        }
    }
}

extension PackedOrders {
    /// The `limit` largest orders in `currency`, largest first (ties by order number),
    /// only those billed from before `cutoff` when one is given: what an alert names, found
    /// by one pass over the records without unpacking the rest.
    public func largest(_ limit: Int, currency: String, startedBefore cutoff: Int64? = nil) -> [OrderAmount] {
        guard limit > 0 else { return [] }
        return withFields { fields in
            var best: [(amount: Money, position: Int)] = []  // largest first, at most `limit`
            func precedes(_ a: (amount: Money, position: Int), _ b: (amount: Money, position: Int)) -> Bool {
                if a.amount != b.amount { return a.amount > b.amount }
                return fields.orderNo(a.position).lexicographicallyPrecedes(fields.orderNo(b.position))
            }
            for position in 0..<fields.count where fields.currency(position).elementsEqual(currency.utf8) {
                if let cutoff {
                    guard let start = fields.startTime(position), start < cutoff else { continue }
                }
                let candidate = (amount: fields.amount(position), position: position)
                if best.count == limit {
                    guard precedes(candidate, best[limit - 1]) else { continue }
                    best.removeLast()
                }
                let index = best.firstIndex { precedes(candidate, $0) } ?? best.count
                best.insert(candidate, at: index)
            }
            return best.map { entry in
                OrderAmount(orderNo: String(decoding: fields.orderNo(entry.position), as: UTF8.self),
                            amount: entry.amount, startTime: fields.startTime(entry.position))
            }
        }
    }
}
