#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a report's bytes go, buffered: standard output, a file written under a
/// temporary name and renamed into place by `commit()` (a reader never sees half a
/// report; dropped without `commit()`, the temporary file is removed), or memory (tests).
public final class ReportOutput {
    private enum Destination {
        case descriptor(Int32, name: String)
        case file(Int32, path: String, temporary: String)
        case memory
    }

    private let destination: Destination
    private var buffer: [UInt8] = []
    private var committed = false

    private init(_ destination: Destination) {
        self.destination = destination
        buffer.reserveCapacity(1 << 16)
    }

    public static func standardOutput() -> ReportOutput { ReportOutput(.descriptor(1, name: "standard output")) }

    public static func memory() -> ReportOutput { ReportOutput(.memory) }

    /// A new file at `path`, owner-only until committed (then as the umask allows).
    /// - Throws: `ReportError.cannotWrite` when the folder does not take a file.
    public static func file(atomicallyAt path: String) throws(ReportError) -> ReportOutput {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        var template = ((directory.isEmpty ? "/" : directory) + "/." + name + ".partial-XXXXXX").utf8CString
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw .cannotWrite(path: path, errno: errno) }
        let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return ReportOutput(.file(descriptor, path: path, temporary: temporary))
    }

    deinit {
        guard case .file(let descriptor, _, let temporary) = destination else { return }
        close(descriptor)
        if !committed { unlink(temporary) }
    }

    /// What was written, for `memory()` outputs.
    public var text: String { String(decoding: buffer, as: UTF8.self) }

    public func write(_ text: String) throws(ReportError) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { try flush() }
    }

    func write(bytes: UnsafeBufferPointer<UInt8>) throws(ReportError) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16 { try flush() }
    }

    public func flush() throws(ReportError) {
        let descriptor: Int32, name: String
        switch destination {
        case .memory: return
        case .descriptor(let fd, let label): (descriptor, name) = (fd, label)
        case .file(let fd, let path, _): (descriptor, name) = (fd, path)
        }
        var written = 0
        while written < buffer.count {
            let result = buffer.withUnsafeBytes { writeBytes(descriptor, $0.baseAddress! + written, $0.count - written) }
            if result < 0 {
                if errno == EINTR { continue }
                throw .cannotWrite(path: name, errno: errno)
            }
            written += result
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes; a file is synced and renamed to its final path.
    public func commit() throws(ReportError) {
        try flush()
        guard case .file(let descriptor, let path, let temporary) = destination else { return }
        guard fsync(descriptor) == 0, fchmod(descriptor, 0o644 & ~currentUmask()) == 0 else {
            throw .cannotWrite(path: path, errno: errno)
        }
        guard rename(temporary, path) == 0 else { throw .cannotWrite(path: path, errno: errno) }
        committed = true
    }

    private func currentUmask() -> mode_t {
        let mask = umask(0o022)
        umask(mask)
        return mask
    }
}

/// The C `write`, which the method of the same name hides inside the class.
private func writeBytes(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}

public enum ReportError: Error, Sendable, Equatable, CustomStringConvertible {
    case cannotWrite(path: String, errno: Int32)

    public var description: String {
        switch self {
        case .cannotWrite(let path, let code):
            "cannot write \(path): \(String(cString: strerror(code))); check the folder exists and is writable"
        }
    }
}
