import CZlib

/// Where a parser pulls an entry's uncompressed bytes from.
protocol EntryByteSource: AnyObject {
    /// Fills up to `capacity` bytes at `destination`; returns 0 only at the end of the entry.
    func read(into destination: UnsafeMutablePointer<UInt8>, capacity: Int) throws(XLSXError) -> Int
}

/// Streams one entry's uncompressed bytes in chunks, enforcing the size and ratio caps
/// while inflating (headers can lie) and checking the CRC-32 at the end.
final class ZipEntryStream: EntryByteSource {
    private let archive: ZipArchive
    private let entry: ZipEntry
    private let limits: XLSXLimits
    private var inputOffset: UInt64
    private var inputRemaining: UInt64
    private let inputBuffer: UnsafeMutableRawBufferPointer
    private let inflater: (any RawInflater)?
    private var finished = false
    private(set) var producedBytes: UInt64 = 0
    /// CRC-32 of stored (method 0) data; the inflater keeps its own.
    private var storedCRC: UInt = 0

    init(archive: ZipArchive, entry: ZipEntry, limits: XLSXLimits, engine: InflateEngine = .isal) throws(XLSXError) {
        guard entry.flags & 1 == 0 else { throw .encryptedEntry(part: entry.name) }
        guard entry.method == 0 || entry.method == 8 else {
            throw .unsupportedCompression(part: entry.name, method: entry.method)
        }
        guard entry.uncompressedSize <= limits.maxUncompressedEntryBytes else {
            throw .entryTooLarge(part: entry.name, bytes: entry.uncompressedSize, limit: limits.maxUncompressedEntryBytes)
        }
        if entry.uncompressedSize > limits.ratioCheckFloorBytes {
            let ratio = entry.uncompressedSize / max(entry.compressedSize, 1)
            guard ratio <= limits.maxCompressionRatio else {
                throw .compressionRatioTooHigh(part: entry.name, ratio: ratio, limit: limits.maxCompressionRatio)
            }
        }
        self.archive = archive
        self.entry = entry
        self.limits = limits
        inputOffset = try archive.dataOffset(of: entry)
        inputRemaining = entry.compressedSize
        inflater = entry.method == 8 ? try makeRawInflater(engine, part: entry.name) : nil
        inputBuffer = .allocate(byteCount: 256 << 10, alignment: 16)
    }

    deinit { inputBuffer.deallocate() }

    func read(into destination: UnsafeMutablePointer<UInt8>, capacity: Int) throws(XLSXError) -> Int {
        if finished || capacity == 0 { return 0 }
        let produced: Int
        if let inflater {
            produced = try readDeflated(with: inflater, into: destination, capacity: capacity)
        } else {
            produced = try readStored(into: destination, capacity: capacity)
            if produced > 0 { storedCRC = crc32(storedCRC, destination, UInt32(produced)) }
        }
        if produced > 0 {
            producedBytes += UInt64(produced)
            try enforceLimits()
        }
        if produced == 0 || finished { try finish() }
        return produced
    }

    private func readStored(into destination: UnsafeMutablePointer<UInt8>, capacity: Int) throws(XLSXError) -> Int {
        let count = Int(min(UInt64(capacity), inputRemaining))
        if count == 0 { finished = true; return 0 }
        try archive.read(at: inputOffset, count: count, into: destination)
        inputOffset += UInt64(count)
        inputRemaining -= UInt64(count)
        if inputRemaining == 0 { finished = true }
        return count
    }

    private func readDeflated(with inflater: any RawInflater, into destination: UnsafeMutablePointer<UInt8>,
                              capacity: Int) throws(XLSXError) -> Int {
        var filled = 0
        while filled < capacity {
            if inflater.needsInput, inputRemaining > 0 {
                let count = Int(min(UInt64(inputBuffer.count), inputRemaining))
                try archive.read(at: inputOffset, count: count, into: inputBuffer.baseAddress!)
                inputOffset += UInt64(count)
                inputRemaining -= UInt64(count)
                inflater.supply(inputBuffer.baseAddress!.assumingMemoryBound(to: UInt8.self), count: count)
            }
            let step = try inflater.inflate(into: destination + filled, capacity: capacity - filled)
            filled += step.produced
            if step.ended { finished = true; break }
            if step.stalled {
                guard inflater.needsInput, inputRemaining == 0 else {
                    throw .corruptDeflate(part: entry.name, detail: "inflate made no progress at output byte \(producedBytes + UInt64(filled))")
                }
                throw .truncated(path: archive.path, detail: "deflate data of \(entry.name) ends before its end marker")
            }
        }
        return filled
    }

    private func enforceLimits() throws(XLSXError) {
        if producedBytes > entry.uncompressedSize {
            throw .sizeMismatch(part: entry.name, declared: entry.uncompressedSize, actual: producedBytes)
        }
        if producedBytes > limits.maxUncompressedEntryBytes {
            throw .entryTooLarge(part: entry.name, bytes: producedBytes, limit: limits.maxUncompressedEntryBytes)
        }
    }

    private func finish() throws(XLSXError) {
        finished = true
        guard producedBytes == entry.uncompressedSize else {
            throw .sizeMismatch(part: entry.name, declared: entry.uncompressedSize, actual: producedBytes)
        }
        let computed = inflater?.crc32 ?? UInt32(truncatingIfNeeded: storedCRC)
        guard computed == entry.crc32 else {
            throw .crcMismatch(part: entry.name, declared: entry.crc32, computed: computed)
        }
    }

    /// The whole entry as bytes; only for small parts, capped by `limit`.
    static func readAll(archive: ZipArchive, entry: ZipEntry, limits: XLSXLimits, limit: Int) throws(XLSXError) -> [UInt8] {
        guard entry.uncompressedSize <= UInt64(limit) else {
            throw .entryTooLarge(part: entry.name, bytes: entry.uncompressedSize, limit: UInt64(limit))
        }
        let stream = try ZipEntryStream(archive: archive, entry: entry, limits: limits)
        var bytes = [UInt8](repeating: 0, count: Int(entry.uncompressedSize) + 1)
        var filled = 0
        while true {
            let got = try bytes.withUnsafeMutableBufferPointer { (buffer) throws(XLSXError) -> Int in
                try stream.read(into: buffer.baseAddress! + filled, capacity: buffer.count - filled)
            }
            if got == 0 { break }
            filled += got
        }
        bytes.removeLast(bytes.count - filled)
        return bytes
    }
}
