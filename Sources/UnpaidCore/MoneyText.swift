extension Money {
    /// The bytes of `description`, written on the stack instead of into a new String: the
    /// ledger binds, compares and digests a million amounts per snapshot, and the audit
    /// listings write as many. The bytes are followed in memory by a NUL the buffer does not
    /// count, so a C API (SQLite) can take them as a terminated string without a copy.
    @inlinable
    public func withDecimalText<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        // 39 digits of a UInt128 or scale + 1 (at most 31), a point, a sign, the NUL.
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 48) { buffer in
            let end = buffer.count - 1
            buffer[end] = 0
            // Prices fit 64 bits, whose division is several times faster than 128-bit division.
            var start = if let small = UInt64(exactly: units.magnitude) {
                Self.writeDigits(of: small, pointBefore: scale, endingAt: end, in: buffer)
            } else {
                Self.writeDigits(of: units.magnitude, pointBefore: scale, endingAt: end, in: buffer)
            }
            if units < 0 {
                start -= 1
                buffer[start] = UInt8(ascii: "-")
            }
            return try body(UnsafeBufferPointer(rebasing: buffer[start..<end]))
        }
    }

    /// Writes the digits of `value` backwards from `end` (exclusive), with a point before
    /// the last `scale` of them and at least one digit before the point; returns where
    /// the text starts.
    @inlinable
    static func writeDigits<Value: FixedWidthInteger & UnsignedInteger>(
        of value: Value, pointBefore scale: Int, endingAt end: Int, in buffer: UnsafeMutableBufferPointer<UInt8>
    ) -> Int {
        var value = value
        var start = end
        var written = 0
        repeat {  // least significant digit first
            if scale > 0 && written == scale {
                start -= 1
                buffer[start] = UInt8(ascii: ".")
            }
            start -= 1
            buffer[start] = UInt8(ascii: "0") + UInt8(value % 10)
            value /= 10
            written += 1
        } while value > 0 || written <= scale
        return start
    }
}
