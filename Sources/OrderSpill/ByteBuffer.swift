/// Bytes in one manually managed allocation, so that views into them (`OrderRecord`)
/// stay valid while the buffer is neither grown nor cleared.
final class ByteBuffer {
    private(set) var start: UnsafeMutableRawPointer
    private(set) var capacity: Int
    var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        start = .allocate(byteCount: self.capacity, alignment: 16)
    }

    deinit { start.deallocate() }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: start, count: count) }

    /// Grows to hold `needed` bytes in all, moving the bytes (and invalidating views).
    func reserve(_ needed: Int) {
        guard needed > capacity else { return }
        let grown = max(needed, capacity * 2)
        let moved = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 16)
        moved.copyMemory(from: start, byteCount: count)
        start.deallocate()
        start = moved
        capacity = grown
    }

    func append(_ bytes: UnsafeRawBufferPointer) {
        reserve(count + bytes.count)
        if let source = bytes.baseAddress { (start + count).copyMemory(from: source, byteCount: bytes.count) }
        count += bytes.count
    }

    func append<T>(_ value: T) {
        withUnsafeBytes(of: value) { append($0) }
    }

    /// Overwrites bytes already appended.
    func store<T>(_ value: T, at offset: Int) {
        withUnsafeBytes(of: value) { (start + offset).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    }

    /// Drops the first `prefix` bytes, moving the rest to the front.
    func removeFirst(_ prefix: Int) {
        if prefix < count { start.copyMemory(from: start + prefix, byteCount: count - prefix) }
        count -= min(prefix, count)
    }
}
