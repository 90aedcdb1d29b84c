import UnpaidCore

/// Takes an export's orders in file order and gives them back sorted by organization
/// and order number (`SortedExport`), in bounded memory whatever their number: orders
/// fill a run buffer of `runBytes`; a full buffer is sorted and written to a temporary
/// file in `directory` as one run; reading them back merges the runs. Orders that fit
/// in one buffer never touch the disk.
///
/// Per organization it also keeps the totals and the few orders alerts name
/// (`OrderHighlights`), counted as the orders arrive.
public final class OrderSorter {
    /// The texts of an order besides its currency, in the order `append` asks for them.
    public enum TextField: Sendable {
        case orderNo, productCode, resourceID, modelID
    }

    /// 8 MiB: a million orders make about 14 runs, merged with a small read buffer each.
    public static let defaultRunBytes = 8 << 20

    private let directory: String?
    private let runBytes: Int
    private let request: OrderHighlights.Request
    private let buffer: ByteBuffer
    private var starts: [Int] = []
    private var file: SpillFile?
    private var runs: [[Int64: Segment]] = []
    private var organizations: [Int64: OrderHighlights] = [:]
    private var finished = false
    public private(set) var count = 0

    /// - Parameters:
    ///   - directory: where runs are spilled; nil keeps every order in memory.
    ///   - request: which orders per currency to keep for alerts.
    public init(spillingTo directory: String?, runBytes: Int = OrderSorter.defaultRunBytes,
                highlighting request: OrderHighlights.Request = .none) {
        self.directory = directory
        self.runBytes = max(runBytes, 4_096)
        self.request = request
        buffer = ByteBuffer(capacity: directory == nil ? 1 << 16 : min(self.runBytes + (64 << 10), 16 << 20))
    }

    /// Appends an order whose texts are bytes that may not outlive the call (a reader's
    /// row buffer): `texts` is asked for each field in turn and hands it to the `add`
    /// it is given, which copies it; nil is an absent text (an absent order number is
    /// kept as empty). If `texts` throws, nothing of the order is kept.
    public func append(
        organizationID: Int64, currency: String, amount: Money, startTime: Int64?,
        texts fill: (TextField, (UnsafeBufferPointer<UInt8>?) -> Void) throws -> Void
    ) throws {
        precondition(!finished, "orders appended after finish()")
        let start = buffer.count
        let textStart = start + OrderRecord.headerSize
        buffer.reserve(textStart)
        buffer.count = textStart
        var flags: UInt8 = startTime == nil ? 0 : OrderRecord.hasStartTime
        func add(_ field: TextField, absent bit: UInt8) throws -> UInt32 {
            try fill(field) { bytes in
                if let bytes { buffer.append(UnsafeRawBufferPointer(bytes)) } else { flags |= bit }
            }
            return UInt32(buffer.count - textStart)  // the reader caps a row far below 4 GiB
        }
        var ends: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
        do {
            ends.0 = try add(.orderNo, absent: 0)
            var currencyText = currency
            currencyText.withUTF8 { buffer.append(UnsafeRawBufferPointer($0)) }
            ends.1 = UInt32(buffer.count - textStart)
            ends.2 = try add(.productCode, absent: OrderRecord.absentProductCode)
            ends.3 = try add(.resourceID, absent: OrderRecord.absentResourceID)
            _ = try add(.modelID, absent: OrderRecord.absentModelID)
        } catch {
            buffer.count = start
            throw error
        }
        buffer.store(UInt32(buffer.count - start), at: start)
        buffer.store(UInt8(amount.scale), at: start + 4)
        buffer.store(flags, at: start + 5)
        buffer.store(organizationID, at: start + 8)
        buffer.store(startTime ?? 0, at: start + 16)
        buffer.store(UInt64(truncatingIfNeeded: amount.units), at: start + 24)
        buffer.store(Int64(truncatingIfNeeded: amount.units >> 64), at: start + 32)
        buffer.store(ends, at: start + 40)
        starts.append(start)
        count += 1
        organizations[organizationID, default: OrderHighlights(organizationID: organizationID, request: request)]
            .add(currency: currency, amount: amount, startTime: startTime) {
                OrderRecord(buffer.start + start).orderNoString
            }
        if directory != nil, buffer.count >= runBytes { try spillRun() }
    }

    /// The orders sorted, per organization; call it once, after the last `append`.
    public func finish() throws -> SortedExport {
        precondition(!finished, "finish() called twice")
        finished = true
        if file == nil {
            let sorted = sortedStarts()
            let run = MemoryRun(buffer: buffer, sortedStarts: sorted)
            var ranges: [Int64: Range<Int>] = [:]
            var index = 0
            while index < sorted.count {
                let organizationID = run.record(at: index).organizationID
                var end = index + 1
                while end < sorted.count, run.record(at: end).organizationID == organizationID { end += 1 }
                ranges[organizationID] = index..<end
                index = end
            }
            starts = []
            return SortedExport(request: request, organizations: organizations.mapValues { highlights in
                SortedOrders(highlights: highlights,
                             storage: .memory(run, ranges[highlights.organizationID] ?? 0..<0))
            })
        }
        if !starts.isEmpty { try spillRun() }
        let file = self.file!
        let runs = self.runs
        return SortedExport(request: request, organizations: organizations.mapValues { highlights in
            SortedOrders(highlights: highlights,
                         storage: .spilled(file, runs.compactMap { $0[highlights.organizationID] }))
        })
    }

    /// Sorts the buffered orders and writes them to the file as one run.
    private func spillRun() throws {
        if file == nil { file = try SpillFile(directory: directory!) }
        let file = self.file!
        let output = ByteBuffer(capacity: 1 << 20)
        var segments: [Int64: Segment] = [:]
        var current: (organizationID: Int64, segment: Segment)?
        func flush() throws {
            guard output.count > 0 else { return }
            try file.append(output.bytes)
            output.count = 0
        }
        for start in sortedStarts() {
            let record = OrderRecord(buffer.start + start)
            let organizationID = record.organizationID
            if current?.organizationID != organizationID {
                if let current { segments[current.organizationID] = current.segment }
                current = (organizationID, Segment(offset: file.size + Int64(output.count), byteCount: 0, count: 0))
            }
            current!.segment.byteCount += Int64(record.length)
            current!.segment.count += 1
            if output.count + record.length > output.capacity { try flush() }
            output.append(record.bytes)
        }
        try flush()
        if let current { segments[current.organizationID] = current.segment }
        runs.append(segments)
        buffer.count = 0
        starts.removeAll(keepingCapacity: true)
    }

    /// Offsets of the buffered records in (organization, order number) order. The first
    /// 16 bytes of each order number as two integers settle almost every comparison
    /// without touching the records again.
    private func sortedStarts() -> [Int] {
        struct Key { var organizationID: Int64, high: UInt64, low: UInt64, start: Int }
        let base = buffer.start
        var keys: [Key] = []
        keys.reserveCapacity(starts.count)
        for start in starts {
            let record = OrderRecord(base + start)
            let bytes = record.orderNo
            var high: UInt64 = 0, low: UInt64 = 0
            for index in 0..<min(bytes.count, 16) {
                if index < 8 {
                    high |= UInt64(bytes[index]) << (56 - 8 * index)
                } else {
                    low |= UInt64(bytes[index]) << (56 - 8 * (index - 8))
                }
            }
            keys.append(Key(organizationID: record.organizationID, high: high, low: low, start: start))
        }
        keys.sort { a, b in
            if a.organizationID != b.organizationID { return a.organizationID < b.organizationID }
            if a.high != b.high { return a.high < b.high }
            if a.low != b.low { return a.low < b.low }
            return ByteOrder.compare(OrderRecord(base + a.start).orderNo, OrderRecord(base + b.start).orderNo) < 0
        }
        return keys.map(\.start)
    }
}

/// Where one organization's orders lie in one spilled run.
struct Segment {
    var offset: Int64
    var byteCount: Int64
    var count: Int
}

/// The orders of an export that fit in one run buffer, sorted in memory.
final class MemoryRun {
    let buffer: ByteBuffer
    let sortedStarts: [Int]

    init(buffer: ByteBuffer, sortedStarts: [Int]) {
        self.buffer = buffer
        self.sortedStarts = sortedStarts
    }

    func record(at index: Int) -> OrderRecord { OrderRecord(buffer.start + sortedStarts[index]) }
}

/// An export's orders sorted, per organization.
public struct SortedExport {
    let request: OrderHighlights.Request
    public let organizations: [Int64: SortedOrders]

    /// The orders of `organizationID`, none if the export had none.
    public func orders(of organizationID: Int64) -> SortedOrders {
        organizations[organizationID]
            ?? SortedOrders(highlights: OrderHighlights(organizationID: organizationID, request: request),
                            storage: .memory(MemoryRun(buffer: ByteBuffer(capacity: 0), sortedStarts: []), 0..<0))
    }
}
