import UnpaidCore

/// The stored text of each order's amount (`Money.description`), written into one reused
/// buffer instead of a new String per order: a snapshot formats a million of them.
struct AmountTexts {
    private let orders: [UnpaidOrder]
    private var scratch: [UInt8] = []

    init(_ orders: [UnpaidOrder]) {
        self.orders = orders
        scratch.reserveCapacity(80)
    }

    /// Calls `body` with the amount text of `orders[position]`, followed in memory by a
    /// NUL byte that the buffer does not count (SQLite reads such text without copying).
    mutating func withText<Result>(of position: Int,
                                   _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        scratch.removeAll(keepingCapacity: true)
        Self.append(orders[position].totalPrice, to: &scratch)
        let count = scratch.count
        scratch.append(0)
        return scratch.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0.prefix(count))) }
    }

    /// Appends exactly `money.description`: 64-bit magnitudes (every real amount) with
    /// machine division, larger ones through the String.
    static func append(_ money: Money, to bytes: inout [UInt8]) {
        guard var value = UInt64(exactly: money.units.magnitude) else {
            bytes.append(contentsOf: money.description.utf8)
            return
        }
        if money.units < 0 { bytes.append(UInt8(ascii: "-")) }
        let start = bytes.count
        var written = 0
        // Least significant digit first, then reversed; at least one digit before the point.
        repeat {
            if money.scale > 0 && written == money.scale { bytes.append(UInt8(ascii: ".")) }
            bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
            value /= 10
            written += 1
        } while value > 0 || written <= money.scale
        bytes[start...].reverse()
    }
}
