import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive `flock` on `<database>.lock`, held for the life of the daemon, so two
/// daemons never schedule the same jobs against one ledger. The kernel drops it when the
/// process dies, so a crash never leaves a stale lock behind.
public final class InstanceLock: Sendable {
    public let path: String
    private let descriptor: Int32

    public init(database: String) throws(InstanceLockError) {
        path = database + ".lock"
        let directory = (path as NSString).deletingLastPathComponent
        try? OwnerOnlyDirectory.create(directory)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        // Owner-only like the ledger beside it, also when an older build created it 0644.
        fchmod(fd, 0o600)
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(fd)
            if code == EWOULDBLOCK { throw .held(path: path, database: database) }
            throw .cannotOpen(path: path, reason: String(cString: strerror(code)))
        }
        descriptor = fd
    }

    deinit { close(descriptor) }
}

public enum InstanceLockError: Error, Sendable, Equatable, CustomStringConvertible {
    case held(path: String, database: String)
    case cannotOpen(path: String, reason: String)

    public var description: String {
        switch self {
        case .held(let path, let database):
            "another unpaidd is already running on the ledger \(database) (it holds \(path)); stop it first (systemctl stop unpaidd) or give this one another storage.database"
        case .cannotOpen(let path, let reason):
            "cannot lock \(path): \(reason)"
        }
    }
}
