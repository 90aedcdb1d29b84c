#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import UnpaidCore

/// One order as the sorter stores it, in a run buffer and in the spill file alike: a
/// 56-byte header, then the texts back to back. Read in place, never copied into Strings.
///
///     0  UInt32 record length      4  UInt8 scale      5  UInt8 flags
///     8  Int64 organization id    16  Int64 start time  24  Int128 units
///    40  UInt32 ends of the order number, currency, product code and resource id
///        (counted from the texts' start; the model id ends with the record)
///    56  texts: order number, currency, product code, resource id, model id
public struct OrderRecord {
    static let headerSize = 56
    static let hasStartTime: UInt8 = 1
    /// Flag bits of absent optional texts (nil, not empty).
    static let absentProductCode: UInt8 = 1 << 2, absentResourceID: UInt8 = 1 << 3, absentModelID: UInt8 = 1 << 4

    let base: UnsafeRawPointer

    init(_ base: UnsafeRawPointer) { self.base = base }

    /// The record whose bytes (a copy of another record's `bytes`) start at `base`.
    public init(bytes base: UnsafeRawPointer) { self.base = base }

    var length: Int { Int(base.loadUnaligned(as: UInt32.self)) }
    private var flags: UInt8 { base.loadUnaligned(fromByteOffset: 5, as: UInt8.self) }
    private func end(_ index: Int) -> Int { Int(base.loadUnaligned(fromByteOffset: 40 + 4 * index, as: UInt32.self)) }

    public var organizationID: Int64 { base.loadUnaligned(fromByteOffset: 8, as: Int64.self) }

    public var amount: Money {
        let low = base.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
        let high = base.loadUnaligned(fromByteOffset: 32, as: Int64.self)
        let units = Int128(high) << 64 | Int128(low)
        return Money(units: units, scale: Int(base.loadUnaligned(fromByteOffset: 4, as: UInt8.self)))
    }

    public var startTime: Int64? {
        flags & Self.hasStartTime == 0 ? nil : base.loadUnaligned(fromByteOffset: 16, as: Int64.self)
    }

    public var orderNo: UnsafeBufferPointer<UInt8> { text(0..<end(0)) }
    public var currency: UnsafeBufferPointer<UInt8> { text(end(0)..<end(1)) }
    public var productCode: UnsafeBufferPointer<UInt8>? { optionalText(end(1)..<end(2), absent: Self.absentProductCode) }
    public var resourceID: UnsafeBufferPointer<UInt8>? { optionalText(end(2)..<end(3), absent: Self.absentResourceID) }
    public var modelID: UnsafeBufferPointer<UInt8>? {
        optionalText(end(3)..<(length - Self.headerSize), absent: Self.absentModelID)
    }

    /// The record as a whole, to copy it elsewhere.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: length) }

    public var currencyString: String { String(decoding: currency, as: UTF8.self) }
    public var orderNoString: String { String(decoding: orderNo, as: UTF8.self) }

    private func text(_ range: Range<Int>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: (base + Self.headerSize + range.lowerBound).assumingMemoryBound(to: UInt8.self),
                            count: range.count)
    }

    private func optionalText(_ range: Range<Int>, absent bit: UInt8) -> UnsafeBufferPointer<UInt8>? {
        flags & bit != 0 ? nil : text(range)
    }

    /// Orders by organization, then by order number bytes (SQLite's BINARY collation).
    static func compare(_ left: OrderRecord, _ right: OrderRecord) -> Int {
        let leftOrganization = left.organizationID, rightOrganization = right.organizationID
        if leftOrganization != rightOrganization { return leftOrganization < rightOrganization ? -1 : 1 }
        return ByteOrder.compare(left.orderNo, right.orderNo)
    }
}

/// SQLite's BINARY collation: memcmp order, shorter first on a common prefix.
public enum ByteOrder {
    public static func compare(_ left: UnsafeBufferPointer<UInt8>, _ right: UnsafeBufferPointer<UInt8>) -> Int {
        let common = min(left.count, right.count)
        if common > 0, let l = left.baseAddress, let r = right.baseAddress {
            let order = memcmp(l, r, common)
            if order != 0 { return Int(order) }
        }
        return left.count - right.count
    }

    public static func equal(_ left: UnsafeBufferPointer<UInt8>?, _ right: UnsafeBufferPointer<UInt8>?) -> Bool {
        switch (left, right) {
        case (nil, nil): true
        case let (left?, right?): compare(left, right) == 0
        default: false
        }
    }
}
