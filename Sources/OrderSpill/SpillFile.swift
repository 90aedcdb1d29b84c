#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A temporary file for sorted runs, in a directory the caller chooses (the spool):
/// unlinked as soon as it is created, so it disappears with its descriptor on every
/// path out, a crash and SIGKILL included, and no other process can open it.
final class SpillFile {
    let directory: String
    private let descriptor: Int32
    private(set) var size: Int64 = 0

    init(directory: String) throws(OrderSpillError) {
        self.directory = directory
        var template = Array((directory + "/.unpaidd-sort-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { path -> Int32 in
            let descriptor = mkstemp(path.baseAddress!)
            if descriptor >= 0 { unlink(path.baseAddress!) }
            return descriptor
        }
        guard descriptor >= 0 else { throw .cannotCreate(directory: directory, errno: errno) }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Appends `bytes` at the end of the file; returns where they start.
    @discardableResult
    func append(_ bytes: UnsafeRawBufferPointer) throws(OrderSpillError) -> Int64 {
        let offset = size
        var written = 0
        while written < bytes.count {
            let result = pwrite(descriptor, bytes.baseAddress! + written, bytes.count - written, off_t(offset) + off_t(written))
            if result < 0 {
                if errno == EINTR { continue }
                throw .cannotWrite(directory: directory, errno: errno)
            }
            written += result
        }
        size += Int64(bytes.count)
        return offset
    }

    /// Reads up to `count` bytes at `offset` into `destination`; returns how many were read.
    func read(into destination: UnsafeMutableRawPointer, count: Int, at offset: Int64) throws(OrderSpillError) -> Int {
        while true {
            let result = pread(descriptor, destination, count, off_t(offset))
            if result >= 0 { return result }
            if errno != EINTR { throw .cannotRead(directory: directory, errno: errno) }
        }
    }
}

/// Why orders could not be sorted or read back.
public enum OrderSpillError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The same order number twice in one organization's export.
    case duplicateOrder(orderNo: String, organizationID: Int64)
    case cannotCreate(directory: String, errno: Int32)
    case cannotWrite(directory: String, errno: Int32)
    case cannotRead(directory: String, errno: Int32)

    public var description: String {
        switch self {
        case let .duplicateOrder(orderNo, organizationID):
            return "order \(orderNo) of organization \(organizationID) appears more than once"
        case let .cannotCreate(directory, code):
            return "cannot create a temporary file for sorting orders in \(directory): \(Self.reason(code)); check that the spool directory exists and is writable"
        case let .cannotWrite(directory, code):
            return "cannot write sorted orders to a temporary file in \(directory): \(Self.reason(code)); check the free space of the spool directory"
        case let .cannotRead(directory, code):
            return "cannot read sorted orders back from a temporary file in \(directory): \(Self.reason(code))"
        }
    }

    private static func reason(_ code: Int32) -> String { String(cString: strerror(code)) }
}
