import Crypto

/// SHA-256 over a list of order intervals, fed one interval at a time in order number
/// byte order (SQLite's BINARY): the intervals a snapshot opened, or those it closed.
///
/// The interval writer feeds it from the walk that decides what to write, and `verify`
/// from its walk over the stored intervals; both must give the same bytes, so this is
/// the only place an interval is encoded (README, "The chain's encoding"). A million
/// intervals are ~100 MB to hash: each is written with a few stores into a buffer that
/// is hashed 64 KiB at a time, not appended byte by byte.
package struct IntervalDigest {
    private var hasher = SHA256()
    private var pending = [UInt8](repeating: 0, count: Self.capacity)
    private var used = 0
    package private(set) var count = 0

    package init() {}

    private static let capacity = 1 << 16

    /// One interval: order_no, currency, amount_text, start_time, product_code,
    /// resource_id, model_id, first_snapshot_id, as stored.
    package mutating func add(orderNo: UnsafeBufferPointer<UInt8>, currency: UnsafeBufferPointer<UInt8>,
                      amountText: UnsafeBufferPointer<UInt8>, startTime: Int64?,
                      productCode: UnsafeBufferPointer<UInt8>?, resourceID: UnsafeBufferPointer<UInt8>?,
                      modelID: UnsafeBufferPointer<UInt8>?, firstSnapshotID: Int64) {
        count += 1
        let size = 12 + orderNo.count + currency.count + amountText.count + 9 + 15
            + (productCode?.count ?? 0) + (resourceID?.count ?? 0) + (modelID?.count ?? 0) + 8
        guard size <= Self.capacity else {
            // Texts longer than the buffer (never in a real export): the plain encoder.
            flush()
            var encoding = CanonicalEncoding(capacity: size)
            encoding.text(orderNo)
            encoding.text(currency)
            encoding.text(amountText)
            encoding.optionalInteger(startTime)
            encoding.optionalText(productCode)
            encoding.optionalText(resourceID)
            encoding.optionalText(modelID)
            encoding.integer(firstSnapshotID)
            encoding.bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
            return
        }
        if used + size > Self.capacity { flush() }
        let start = used
        used = pending.withUnsafeMutableBytes { buffer in
            var writer = Writer(buffer: buffer, offset: start)
            writer.text(orderNo)
            writer.text(currency)
            writer.text(amountText)
            writer.optionalInteger(startTime)
            writer.optionalText(productCode)
            writer.optionalText(resourceID)
            writer.optionalText(modelID)
            writer.integer(firstSnapshotID)
            return writer.offset
        }
    }

    /// The 32 bytes of the digest; an empty list gives SHA-256 of no bytes.
    package mutating func finalize() -> [UInt8] {
        flush()
        return Array(hasher.finalize())
    }

    private mutating func flush() {
        let length = used
        pending.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[..<length])) }
        used = 0
    }

    /// `CanonicalEncoding`'s layout, stored in place.
    private struct Writer {
        let buffer: UnsafeMutableRawBufferPointer
        var offset: Int

        mutating func integer(_ value: Int64) {
            buffer.storeBytes(of: UInt64(bitPattern: value).bigEndian, toByteOffset: offset, as: UInt64.self)
            offset += 8
        }

        mutating func text(_ value: UnsafeBufferPointer<UInt8>) {
            buffer.storeBytes(of: UInt32(value.count).bigEndian, toByteOffset: offset, as: UInt32.self)
            offset += 4
            if let base = value.baseAddress, value.count > 0 {
                (buffer.baseAddress! + offset).copyMemory(from: base, byteCount: value.count)
            }
            offset += value.count
        }

        mutating func optionalText(_ value: UnsafeBufferPointer<UInt8>?) {
            buffer[offset] = value == nil ? 0 : 1
            offset += 1
            if let value { text(value) }
        }

        mutating func optionalInteger(_ value: Int64?) {
            buffer[offset] = value == nil ? 0 : 1
            offset += 1
            if let value { integer(value) }
        }
    }
}
