#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import UnpaidCore

/// One organization's orders sorted by order number bytes (SQLite's BINARY collation),
/// read back one at a time by a `SortedOrderCursor`, with their totals and the orders
/// alerts name. Holding it holds the temporary file its runs are in, if any; the file
/// goes with the last copy.
public struct SortedOrders {
    enum Storage {
        case memory(MemoryRun, Range<Int>)
        case spilled(SpillFile, [Segment])
    }

    /// Totals per currency and the largest orders, as the orders were appended.
    public let highlights: OrderHighlights
    let storage: Storage

    public var organizationID: Int64 { highlights.organizationID }
    public var totals: [String: Total] { highlights.totals }
    public var count: Int { highlights.totals.values.reduce(0) { $0 + $1.count } }

    /// How many sorted runs were written to disk (0: the orders stayed in memory).
    public var spilledRuns: Int {
        if case .spilled(_, let segments) = storage { segments.count } else { 0 }
    }

    /// Sorts orders held in memory, for callers that have them all already.
    public init(organizationID: Int64, _ orders: some Sequence<UnpaidOrder>,
                highlighting request: OrderHighlights.Request = .none) throws {
        let sorter = OrderSorter(spillingTo: nil, highlighting: request)
        for order in orders { try sorter.append(order) }
        self = try sorter.finish().orders(of: organizationID)
    }

    init(highlights: OrderHighlights, storage: Storage) {
        self.highlights = highlights
        self.storage = storage
    }

    /// A cursor at the first order. Reading spilled runs throws `OrderSpillError`; an
    /// order number met twice throws `.duplicateOrder`.
    public func makeCursor() throws(OrderSpillError) -> SortedOrderCursor {
        switch storage {
        case let .memory(run, range):
            return try SortedOrderCursor(organizationID: organizationID, runs: [RunReader(run, range)])
        case let .spilled(file, segments):
            // A few MiB for all read buffers together, whatever the number of runs.
            let bufferBytes = min(256 << 10, max(16 << 10, (4 << 20) / max(segments.count, 1)))
            return try SortedOrderCursor(organizationID: organizationID, runs: segments.map {
                RunReader(file, $0, bufferBytes: bufferBytes)
            })
        }
    }
}

extension OrderSorter {
    /// Appends an order held as Strings.
    public func append(_ order: UnpaidOrder) throws {
        try append(organizationID: order.organizationID, currency: order.currency, amount: order.totalPrice,
                   startTime: order.startTime) { field, add in
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
}

/// One organization's orders in order-number order: a merge of the sorted runs, each
/// read through a small buffer. `current` stays valid until the next `advance()`.
public struct SortedOrderCursor {
    private let organizationID: Int64
    private let runs: [RunReader]
    /// Indices of runs that still have orders, as a min-heap on their current order.
    private var heap: [Int]
    public private(set) var current: OrderRecord?
    /// The order number just passed, to catch one met twice (within a run or across runs).
    private let previous = ByteBuffer(capacity: 64)

    init(organizationID: Int64, runs: [RunReader]) throws(OrderSpillError) {
        self.organizationID = organizationID
        self.runs = runs
        for run in runs { try run.load() }
        heap = runs.indices.filter { runs[$0].current != nil }
        for index in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(index) }
        current = heap.first.map { runs[$0].current! }
    }

    /// Moves to the next order; `current` is nil after the last.
    public mutating func advance() throws(OrderSpillError) {
        guard let passed = current else { return }
        previous.count = 0
        previous.append(UnsafeRawBufferPointer(passed.orderNo))
        let top = heap[0]
        try runs[top].advance()
        if runs[top].current == nil {
            heap[0] = heap[heap.count - 1]
            heap.removeLast()
        }
        if !heap.isEmpty { siftDown(0) }
        current = heap.first.map { runs[$0].current! }
        if let current, ByteOrder.compare(current.orderNo, previous.bytes.bindMemory(to: UInt8.self)) == 0 {
            throw .duplicateOrder(orderNo: current.orderNoString, organizationID: organizationID)
        }
    }

    private func precedes(_ left: Int, _ right: Int) -> Bool {
        ByteOrder.compare(runs[left].current!.orderNo, runs[right].current!.orderNo) < 0
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < heap.count, precedes(heap[left], heap[smallest]) { smallest = left }
            if right < heap.count, precedes(heap[right], heap[smallest]) { smallest = right }
            if smallest == parent { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}

/// Reads one sorted run: from memory, or from a segment of the spill file through a
/// buffer that holds at least one whole record.
final class RunReader {
    private enum Source {
        case memory(MemoryRun, Range<Int>)
        case file(SpillFile, end: Int64)
    }

    private let source: Source
    private var next: Int  // memory: the next sorted index
    private var fileOffset: Int64 = 0
    private let buffer: ByteBuffer
    private var position = 0
    private(set) var current: OrderRecord?

    init(_ run: MemoryRun, _ range: Range<Int>) {
        source = .memory(run, range)
        next = range.lowerBound
        buffer = ByteBuffer(capacity: 0)
    }

    init(_ file: SpillFile, _ segment: Segment, bufferBytes: Int) {
        source = .file(file, end: segment.offset + segment.byteCount)
        next = 0
        fileOffset = segment.offset
        buffer = ByteBuffer(capacity: bufferBytes)
    }

    /// Makes the run's first order current.
    func load() throws(OrderSpillError) {
        switch source {
        case let .memory(run, range):
            current = next < range.upperBound ? run.record(at: next) : nil
        case let .file(file, end):
            current = try read(file, end: end)
        }
    }

    func advance() throws(OrderSpillError) {
        guard let passed = current else { return }
        switch source {
        case .memory:
            next += 1
        case .file:
            position += passed.length
        }
        try load()
    }

    /// The record at `position`, reading more of the segment when it is not whole in the buffer.
    private func read(_ file: SpillFile, end: Int64) throws(OrderSpillError) -> OrderRecord? {
        func available() -> Int { buffer.count - position }
        func fill(atLeast needed: Int) throws(OrderSpillError) {
            buffer.removeFirst(position)
            position = 0
            buffer.reserve(needed)
            while buffer.count < needed {
                let wanted = min(buffer.capacity - buffer.count, Int(end - fileOffset))
                let read = wanted > 0 ? try file.read(into: buffer.start + buffer.count, count: wanted, at: fileOffset) : 0
                guard read > 0 else { throw .cannotRead(directory: file.directory, errno: EIO) }
                buffer.count += read
                fileOffset += Int64(read)
            }
        }
        if available() == 0 && fileOffset == end { return nil }
        if available() < 4 { try fill(atLeast: 4) }
        let length = Int((buffer.start + position).loadUnaligned(as: UInt32.self))
        if available() < length { try fill(atLeast: length) }
        return OrderRecord(buffer.start + position)
    }
}
