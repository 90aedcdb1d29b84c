/// Scratch memory for cells that need decoding (entities, rich text). Blocks never move,
/// so every decoded cell stays valid until the row is done; `reset` reuses the first block.
final class DecodeArena {
    private var blocks: [UnsafeMutableBufferPointer<UInt8>] = []
    private var used = 0
    private static let blockSize = 64 << 10

    deinit { for block in blocks { block.deallocate() } }

    func reset() {
        if blocks.count > 1 {
            for block in blocks.dropFirst() { block.deallocate() }
            blocks.removeSubrange(1...)
        }
        used = 0
    }

    func store(_ bytes: [UInt8]) -> UnsafeBufferPointer<UInt8> {
        if blocks.isEmpty || used + bytes.count > blocks[blocks.count - 1].count {
            blocks.append(.allocate(capacity: max(Self.blockSize, bytes.count)))
            used = 0
        }
        let destination = blocks[blocks.count - 1].baseAddress! + used
        bytes.withUnsafeBufferPointer { destination.update(from: $0.baseAddress!, count: $0.count) }
        used += bytes.count
        return UnsafeBufferPointer(start: destination, count: bytes.count)
    }
}
