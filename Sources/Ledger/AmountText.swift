import Foundation
import UnpaidCore

/// The stored text of an order's amount (`Money.description`), written on the stack
/// instead of into a new String: a snapshot formats a million of them.
enum AmountText {
    /// Calls `body` with the text of `money`, followed in memory by a NUL byte that the
    /// buffer does not count (SQLite then reads the text without copying it again).
    static func with<Result>(_ money: Money, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        guard var value = UInt64(exactly: money.units.magnitude) else {
            // Beyond 64 bits no real price goes; the String path is exact and rare.
            return money.description.withCString { text in
                text.withMemoryRebound(to: UInt8.self, capacity: strlen(text) + 1) {
                    body(UnsafeBufferPointer(start: $0, count: strlen(text)))
                }
            }
        }
        // 20 digits of a UInt64 or scale + 1 (at most 31), a point, a sign, the NUL.
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 40) { buffer in
            let end = buffer.count - 1
            buffer[end] = 0
            var start = end
            var written = 0
            repeat {  // least significant digit first, at least one digit before the point
                if money.scale > 0 && written == money.scale {
                    start -= 1
                    buffer[start] = UInt8(ascii: ".")
                }
                start -= 1
                buffer[start] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
                written += 1
            } while value > 0 || written <= money.scale
            if money.units < 0 {
                start -= 1
                buffer[start] = UInt8(ascii: "-")
            }
            return body(UnsafeBufferPointer(rebasing: buffer[start..<end]))
        }
    }
}
