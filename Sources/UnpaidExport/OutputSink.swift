#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Buffered writes to a file descriptor (a file, or standard output).
final class OutputSink {
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private let name: String
    private var buffer: [UInt8] = []

    init(path: String?) throws(UnpaidExportError) {
        if let path {
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard fd >= 0 else { throw .cannotWrite(path: path, errno: errno) }
            descriptor = fd
            ownsDescriptor = true
            name = path
        } else {
            descriptor = 1
            ownsDescriptor = false
            name = "standard output"
        }
        buffer.reserveCapacity(1 << 16)
    }

    deinit { if ownsDescriptor { close(descriptor) } }

    func write(_ text: String) throws(UnpaidExportError) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { try flush() }
    }

    func write(_ bytes: some Sequence<UInt8>) throws(UnpaidExportError) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16 { try flush() }
    }

    func flush() throws(UnpaidExportError) {
        var written = 0
        while written < buffer.count {
            let result = buffer.withUnsafeBytes { writeToDescriptor(descriptor, $0.baseAddress! + written, $0.count - written) }
            if result < 0, errno == EINTR { continue }
            guard result > 0 else { throw .cannotWrite(path: name, errno: errno) }
            written += result
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

private func writeToDescriptor(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
