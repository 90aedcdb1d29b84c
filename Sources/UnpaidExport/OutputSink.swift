#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Buffered writes to a file or standard output. A file is written under a temporary
/// name beside it and renamed into place by `commit()`, so readers of the path never see
/// half a conversion; a sink dropped without `commit()` removes its temporary file.
final class OutputSink {
    private let descriptor: Int32
    private let name: String
    /// The final path and the temporary one being written, for file outputs.
    private let paths: (final: String, temporary: String)?
    private var buffer: [UInt8] = []
    private var committed = false

    init(path: String?) throws(UnpaidExportError) {
        if let path {
            let (directory, file) = splitPath(path)
            let template = directory + "/." + file + ".partial-XXXXXX"
            var templateBytes = Array(template.utf8CString)
            let fd = templateBytes.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            guard fd >= 0 else { throw .cannotWrite(path: path, errno: errno) }
            descriptor = fd
            paths = (path, templateBytes.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
            name = path
        } else {
            descriptor = 1
            paths = nil
            name = "standard output"
        }
        buffer.reserveCapacity(1 << 16)
    }

    deinit {
        guard let paths else { return }
        close(descriptor)
        if !committed { unlink(paths.temporary) }
    }

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

    /// Flushes, makes the bytes durable and moves the file to its path (standard output
    /// is only flushed). After a throw the target path is untouched.
    func commit() throws(UnpaidExportError) {
        try flush()
        guard let paths else { return }
        // mkstemp creates 0600; an export is an ordinary file like any other output.
        guard fchmod(descriptor, 0o644) == 0, fsync(descriptor) == 0 else { throw .cannotWrite(path: name, errno: errno) }
        guard rename(paths.temporary, paths.final) == 0 else { throw .cannotWrite(path: name, errno: errno) }
        committed = true
    }
}

/// The folder (`.` when none) and file name of a path.
private func splitPath(_ path: String) -> (directory: String, file: String) {
    guard let slash = path.lastIndex(of: "/") else { return (".", path) }
    let directory = String(path[..<slash])
    return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
}

private func writeToDescriptor(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
