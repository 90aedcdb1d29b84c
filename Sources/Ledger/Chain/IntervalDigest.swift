import Crypto

/// SHA-256 over a list of order intervals, fed one interval at a time in order number
/// byte order (SQLite's BINARY): the intervals a snapshot opened, or those it closed.
///
/// The interval writer feeds it from the walk that decides what to write, and `verify`
/// from its walk over the stored intervals; both must give the same bytes, so this is
/// the only place an interval is encoded. Encodings are buffered and hashed in large
/// pieces: a million intervals cost one pass of SHA-256 over ~100 MB.
struct IntervalDigest {
    private var hasher = SHA256()
    private var pending = CanonicalEncoding(capacity: Self.flushSize + 1024)
    private(set) var count = 0

    private static let flushSize = 1 << 16

    /// One interval: order_no, currency, amount_text, start_time, product_code,
    /// resource_id, model_id, first_snapshot_id, as stored.
    mutating func add(orderNo: UnsafeBufferPointer<UInt8>, currency: UnsafeBufferPointer<UInt8>,
                      amountText: UnsafeBufferPointer<UInt8>, startTime: Int64?,
                      productCode: UnsafeBufferPointer<UInt8>?, resourceID: UnsafeBufferPointer<UInt8>?,
                      modelID: UnsafeBufferPointer<UInt8>?, firstSnapshotID: Int64) {
        pending.text(orderNo)
        pending.text(currency)
        pending.text(amountText)
        pending.optionalInteger(startTime)
        pending.optionalText(productCode)
        pending.optionalText(resourceID)
        pending.optionalText(modelID)
        pending.integer(firstSnapshotID)
        count += 1
        if pending.bytes.count >= Self.flushSize { flush() }
    }

    /// The 32 bytes of the digest; an empty list gives SHA-256 of no bytes.
    mutating func finalize() -> [UInt8] {
        flush()
        return Array(hasher.finalize())
    }

    private mutating func flush() {
        pending.bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        pending.removeAll()
    }
}
