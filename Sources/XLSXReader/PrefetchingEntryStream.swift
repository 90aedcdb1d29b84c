import Foundation

/// Inflates an entry on its own thread, a few buffers ahead of the parser, so inflating
/// and scanning overlap on two cores. Memory is the ring: `slotCount` x `slotBytes`.
///
/// Errors of the inflating side (CRC, size, corrupt data) reach the reader in stream
/// order, after the bytes that preceded them. Deinit stops and joins the thread.
final class PrefetchingEntryStream: EntryByteSource {
    private let ring: InflateRing

    init(source: ZipEntryStream, slotCount: Int = 4, slotBytes: Int = 1 << 20) {
        let ring = InflateRing(slotCount: slotCount, slotBytes: slotBytes)
        self.ring = ring
        // The thread holds the ring and the source, never this object, so dropping the
        // reader early still reaches deinit, which stops the thread.
        // The source is handed over: from here on only the inflating thread touches it.
        nonisolated(unsafe) let handedOver = source
        let thread = Thread { ring.produce(from: handedOver) }
        thread.name = "xlsx-inflate"
        thread.start()
    }

    deinit { ring.cancelAndJoin() }

    func read(into destination: UnsafeMutablePointer<UInt8>, capacity: Int) throws(XLSXError) -> Int {
        try ring.read(into: destination, capacity: capacity)
    }
}

/// The bounded buffers between the inflating thread (producer) and the parser (consumer).
/// Shared state is guarded by `condition`; the read position belongs to the consumer.
private final class InflateRing: @unchecked Sendable {
    private struct Slot {
        let bytes: UnsafeMutablePointer<UInt8>
        var count = 0
    }

    private let condition = NSCondition()
    // Guarded by `condition`:
    private var slots: [Slot]
    private var filledSlots = 0
    private var producerError: XLSXError?
    private var producerEnded = false
    private var cancelled = false
    private var producerExited = false
    // Owned by the consumer:
    private var readSlot = 0
    private var readOffset = 0
    private var consumerEnded = false

    private let slotBytes: Int

    init(slotCount: Int, slotBytes: Int) {
        self.slotBytes = slotBytes
        slots = (0..<slotCount).map { _ in Slot(bytes: .allocate(capacity: slotBytes)) }
    }

    deinit { for slot in slots { slot.bytes.deallocate() } }

    func cancelAndJoin() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        while !producerExited { condition.wait() }
        condition.unlock()
    }

    func produce(from source: ZipEntryStream) {
        var writeSlot = 0
        defer {
            condition.lock()
            producerExited = true
            condition.broadcast()
            condition.unlock()
        }
        while true {
            condition.lock()
            while filledSlots == slots.count, !cancelled { condition.wait() }
            let stop = cancelled
            let destination = slots[writeSlot].bytes
            condition.unlock()
            if stop { return }

            var count = 0
            var failure: XLSXError?
            do {
                // Fill the slot whole so the reader takes large, even pieces.
                while count < slotBytes {
                    let got = try source.read(into: destination + count, capacity: slotBytes - count)
                    if got == 0 { break }
                    count += got
                }
            } catch {
                failure = error
            }

            condition.lock()
            slots[writeSlot].count = count
            if count > 0 { filledSlots += 1 }
            if let failure { producerError = failure }
            if count < slotBytes || failure != nil { producerEnded = true }
            condition.broadcast()
            condition.unlock()
            if count < slotBytes || failure != nil { return }
            writeSlot = (writeSlot + 1) % slots.count
        }
    }

    func read(into destination: UnsafeMutablePointer<UInt8>, capacity: Int) throws(XLSXError) -> Int {
        if consumerEnded || capacity == 0 { return 0 }
        condition.lock()
        while filledSlots == 0, !producerEnded { condition.wait() }
        if filledSlots == 0 {
            let error = producerError
            condition.unlock()
            consumerEnded = true
            if let error { throw error }
            return 0
        }
        let slot = slots[readSlot]
        condition.unlock()

        let count = min(capacity, slot.count - readOffset)
        destination.update(from: slot.bytes + readOffset, count: count)
        readOffset += count
        if readOffset == slot.count {
            readOffset = 0
            readSlot = (readSlot + 1) % slots.count
            condition.lock()
            filledSlots -= 1
            condition.broadcast()
            condition.unlock()
        }
        return count
    }
}
