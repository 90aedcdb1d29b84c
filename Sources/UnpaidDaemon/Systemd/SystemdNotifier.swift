import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Tells systemd about our state (`Type=notify`) without libsystemd: one AF_UNIX datagram
/// per message to `$NOTIFY_SOCKET`, a path or an `@abstract` name.
public struct SystemdNotifier: Sendable {
    /// The socket address as configured; "@" marks the abstract namespace.
    public let socketPath: String
    /// How often to send `WATCHDOG=1` (half of `$WATCHDOG_USEC`), when systemd asks for it.
    public let watchdogInterval: Duration?

    /// Nil when `$NOTIFY_SOCKET` is unset or empty: not started by systemd, nothing to do.
    public init?(environment: [String: String] = ProcessInfo.processInfo.environment,
                 pid: Int32 = getpid()) {
        guard let path = environment["NOTIFY_SOCKET"], path.hasPrefix("/") || path.hasPrefix("@") else {
            return nil
        }
        socketPath = path
        let forUs = environment["WATCHDOG_PID"].map { Int32($0) == pid } ?? true
        if forUs, let text = environment["WATCHDOG_USEC"], let micros = Int64(text), micros > 0 {
            watchdogInterval = .microseconds(micros / 2)
        } else {
            watchdogInterval = nil
        }
    }

    public func ready(status: String? = nil) throws(SystemdNotifyError) {
        try send(["READY=1"] + (status.map { ["STATUS=" + Self.oneLine($0)] } ?? []))
    }

    public func status(_ text: String) throws(SystemdNotifyError) {
        try send(["STATUS=" + Self.oneLine(text)])
    }

    /// Start of a config reload (SIGHUP); send `ready()` when it is done, valid or not.
    /// systemd 253+ wants the monotonic time with it to match the reload to its request.
    public func reloading() throws(SystemdNotifyError) {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let micros = Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000
        try send(["RELOADING=1", "MONOTONIC_USEC=\(micros)"])
    }

    public func stopping() throws(SystemdNotifyError) { try send(["STOPPING=1"]) }

    public func watchdog() throws(SystemdNotifyError) { try send(["WATCHDOG=1"]) }

    /// Sends `KEY=VALUE` lines as one datagram.
    public func send(_ assignments: [String]) throws(SystemdNotifyError) {
        let message = Array(assignments.joined(separator: "\n").utf8)
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .cannotCreateSocket(socket: socketPath, errno: errno) }
        defer { close(fd) }

        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(socketPath.utf8)
        if pathBytes.first == UInt8(ascii: "@") { pathBytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { throw .pathTooLong(socketPath) }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
        }
        // Abstract names are exactly their bytes long; paths end at their NUL.
        let pathLength = pathBytes.first == 0 ? pathBytes.count : pathBytes.count + 1
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + pathLength)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                message.withUnsafeBytes { bytes in
                    sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), socketAddress, length)
                }
            }
        }
        guard sent == message.count else { throw .cannotSend(socket: socketPath, errno: errno) }
    }

    /// systemd reads one line per key: newlines inside a status would start a new key.
    static func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }
}

public enum SystemdNotifyError: Error, Sendable, Equatable, CustomStringConvertible {
    case pathTooLong(String)
    case cannotCreateSocket(socket: String, errno: Int32)
    case cannotSend(socket: String, errno: Int32)

    public var description: String {
        switch self {
        case .pathTooLong(let path):
            "NOTIFY_SOCKET \"\(path)\" is longer than an AF_UNIX address allows (107 bytes)"
        case .cannotCreateSocket(let socket, let code):
            "cannot notify systemd at NOTIFY_SOCKET \"\(socket)\": cannot create a socket: \(Self.words(code))"
        case .cannotSend(let socket, let code):
            "cannot notify systemd at NOTIFY_SOCKET \"\(socket)\": \(Self.words(code))\(Self.hint(code))"
        }
    }

    /// The system's own words, lowercased to read as part of the sentence.
    static func words(_ code: Int32) -> String {
        String(cString: strerror(code)).lowercased()
    }

    private static func hint(_ code: Int32) -> String {
        switch code {
        case ENOENT, ECONNREFUSED, ENOTDIR:
            " (nothing listens there: was the daemon started by systemd with Type=notify, and is systemd still running?)"
        case EACCES, EPERM:
            " (check NotifyAccess= in the unit and the socket's permissions)"
        case EAGAIN, ENOBUFS:
            " (systemd's notification queue is full; the next notification will try again)"
        default:
            ""
        }
    }
}
