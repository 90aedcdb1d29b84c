/// Optional strings copied once into one buffer, each followed by a NUL byte, so that a
/// statement can bind them without SQLite copying (and allocating) every value again.
struct TextArena {
    private var bytes: [UInt8] = []
    /// Where each text is in `bytes`; a negative count for nil.
    private var spans: [(start: Int, count: Int)] = []

    init(capacity: Int) {
        spans.reserveCapacity(capacity)
        bytes.reserveCapacity(capacity * 12)
    }

    mutating func append(_ text: String?) {
        guard let text else {
            spans.append((0, -1))
            return
        }
        let start = bytes.count
        bytes.append(contentsOf: text.utf8)
        spans.append((start, bytes.count - start))
        bytes.append(0)
    }

    /// Calls `body` with a function giving text `index` (nil stays nil) as bytes that
    /// are valid only during `body`.
    func withTexts<Result>(
        _ body: ((Int) -> UnsafeBufferPointer<UInt8>?) throws -> Result
    ) rethrows -> Result {
        try bytes.withUnsafeBufferPointer { buffer in
            try body { index in
                let span = spans[index]
                guard span.count >= 0 else { return nil }
                return UnsafeBufferPointer(rebasing: buffer[span.start..<(span.start + span.count)])
            }
        }
    }
}
