import PostgresNIO

/// The text cells of one row side by side in one buffer reused from row to row, so that a
/// listing of a million rows reads its texts in place instead of making a String of each.
struct PostgresRowTexts {
    private var bytes: [UInt8] = []
    private var ranges: [Range<Int>?] = []

    /// Forgets the previous row's texts, keeping the buffer's capacity.
    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        ranges.removeAll(keepingCapacity: true)
    }

    /// Adds a text cell (binary and text formats both send text as its UTF-8 bytes); nil is NULL.
    mutating func append(_ cell: ByteBuffer?) {
        guard let cell else {
            ranges.append(nil)
            return
        }
        let start = bytes.count
        cell.withUnsafeReadableBytes { bytes.append(contentsOf: $0) }
        ranges.append(start..<bytes.count)
    }

    /// Gives `body` the texts in the order they were appended, valid only during the call.
    func withTexts<Result>(_ body: (Texts) throws -> Result) rethrows -> Result {
        try bytes.withUnsafeBufferPointer { buffer in try body(Texts(buffer: buffer, ranges: ranges)) }
    }

    struct Texts {
        fileprivate let buffer: UnsafeBufferPointer<UInt8>
        fileprivate let ranges: [Range<Int>?]

        /// The `index`th text appended; nil when it was NULL.
        subscript(index: Int) -> UnsafeBufferPointer<UInt8>? {
            ranges[index].map { UnsafeBufferPointer(rebasing: buffer[$0]) }
        }
    }
}
