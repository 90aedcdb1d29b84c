/// A sliding window over an entry's uncompressed bytes. Parsers work on whole elements
/// inside the window; when one is cut off they ask to keep its start and read more.
/// Memory is one chunk plus the largest element seen (bounded by `maxKeptBytes`).
final class ByteWindow {
    private let source: any EntryByteSource
    private(set) var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// Valid bytes are `0..<count`.
    private(set) var count = 0
    private(set) var reachedEnd = false
    /// Bytes of the entry dropped from the front so far, for offsets in messages.
    private(set) var discarded: UInt64 = 0
    private let chunk: Int
    private let maxKeptBytes: Int

    init(source: any EntryByteSource, chunk: Int = 256 << 10, maxKeptBytes: Int) {
        self.source = source
        self.chunk = chunk
        self.maxKeptBytes = maxKeptBytes
        capacity = chunk * 2
        base = .allocate(capacity: capacity + 1)
    }

    deinit { base.deallocate() }

    /// Drops bytes before `keepFrom` (the kept bytes move to offset 0), then appends
    /// more of the entry. `keptTooLarge` means the unfinished element exceeds the cap.
    enum Refill { case added, endOfEntry, keptTooLarge }

    func refill(keepingFrom keepFrom: Int) throws(XLSXError) -> Refill {
        let kept = count - keepFrom
        if keepFrom > 0 {
            if kept > 0 { (base).update(from: base + keepFrom, count: kept) }
            discarded += UInt64(keepFrom)
            count = kept
        }
        if reachedEnd { return .endOfEntry }
        if kept > maxKeptBytes { return .keptTooLarge }
        if capacity - count < chunk {
            let newCapacity = max(capacity * 2, count + chunk)
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity + 1)
            grown.update(from: base, count: count)
            base.deallocate()
            base = grown
            capacity = newCapacity
        }
        let got = try source.read(into: base + count, capacity: capacity - count)
        if got == 0 { reachedEnd = true; return .endOfEntry }
        count += got
        return .added
    }
}
