import Foundation
import Glibc
import Logging
import Testing
import UnpaidDaemon

/// A real AF_UNIX datagram socket standing in for systemd's notification socket.
final class NotifySocket {
    let fd: Int32
    let environmentValue: String
    private let path: String?

    /// Binds a filesystem socket in a fresh temp dir, or an abstract one when `abstract`.
    init(abstract: Bool) throws {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let name = "unpaidd-test-\(UUID().uuidString.prefix(8))"
        var bytes: [UInt8]
        if abstract {
            bytes = [0] + Array(name.utf8)
            environmentValue = "@" + name
            path = nil
        } else {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let file = directory.appendingPathComponent("notify").path
            bytes = Array(file.utf8) + [0]
            environmentValue = file
            path = file
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        try #require(result == 0, "bind failed: errno \(errno)")
    }

    /// The next queued datagram, without waiting.
    func receive() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        return count < 0 ? nil : String(decoding: buffer[..<count], as: UTF8.self)
    }

    deinit {
        close(fd)
        if let path { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
    }
}

@Suite(.timeLimit(.minutes(10))) struct SystemdNotifierTests {
    @Test(arguments: [false, true]) func sendsStateDatagrams(abstract: Bool) async throws {
        let socket = try NotifySocket(abstract: abstract)
        let notifier = try #require(SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.environmentValue]))
        try notifier.ready(status: "watching 3 jobs\nnext fire 06:00")
        #expect(socket.receive() == "READY=1\nSTATUS=watching 3 jobs next fire 06:00")
        try notifier.status("fetching acme")
        #expect(socket.receive() == "STATUS=fetching acme")
        try notifier.watchdog()
        #expect(socket.receive() == "WATCHDOG=1")
        try notifier.reloading()
        let reload = try #require(socket.receive()).split(separator: "\n")
        #expect(reload.first == "RELOADING=1" && reload.count == 2)
        #expect(reload.last?.hasPrefix("MONOTONIC_USEC=") == true && Int(reload.last!.dropFirst(15))! > 0)
        try notifier.stopping()
        #expect(socket.receive() == "STOPPING=1")
        #expect(socket.receive() == nil)
    }

    @Test func doesNothingOutsideSystemd() {
        #expect(SystemdNotifier(environment: [:]) == nil)
        #expect(SystemdNotifier(environment: ["NOTIFY_SOCKET": ""]) == nil)
    }

    @Test func missingSocketIsAnErrorNamingItInWords() {
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": "/nonexistent/unpaidd/notify"])!
        let error = #expect(throws: SystemdNotifyError.cannotSend(socket: "/nonexistent/unpaidd/notify", errno: ENOENT)) {
            try notifier.ready()
        }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("NOTIFY_SOCKET \"/nonexistent/unpaidd/notify\""), "\(text)")
        #expect(text.contains("no such file or directory"), "\(text)")
        #expect(!text.lowercased().contains("errno") && !text.contains("(2)"), "\(text)")
    }

    /// A path that exists but where nobody listens: the message says so, without codes.
    @Test func aFileThatIsNoSocketIsExplainedInWords() async throws {
        let file = FileManager.default.temporaryDirectory.appending(path: "unpaidd-notify-\(UUID())").path
        try "".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let notifier = try #require(SystemdNotifier(environment: ["NOTIFY_SOCKET": file]))
        let error = #expect(throws: SystemdNotifyError.self) { try notifier.status("x") }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("connection refused") && text.contains("nothing listens there"), "\(text)")
        #expect(!text.lowercased().contains("errno"), "\(text)")
    }

    @Test func watchdogIntervalIsHalfOfWhatSystemdAsksForOurPidOnly() {
        let base = ["NOTIFY_SOCKET": "/run/systemd/notify", "WATCHDOG_USEC": "120000000"]
        #expect(SystemdNotifier(environment: base, pid: 42)?.watchdogInterval == .seconds(60))
        #expect(SystemdNotifier(environment: base.merging(["WATCHDOG_PID": "42"]) { $1 }, pid: 42)?.watchdogInterval == .seconds(60))
        #expect(SystemdNotifier(environment: base.merging(["WATCHDOG_PID": "7"]) { $1 }, pid: 42)?.watchdogInterval == nil)
        #expect(SystemdNotifier(environment: ["NOTIFY_SOCKET": "/run/systemd/notify"], pid: 42)?.watchdogInterval == nil)
    }

    @Test func pingerSendsWatchdogEveryIntervalUntilCancelled() async throws {
        let socket = try NotifySocket(abstract: false)
        let notifier = try #require(SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.environmentValue]))
        let start = instant("2026-11-22T10:00:00Z")
        let clock = ManualWallClock(now: start)
        let pinger = WatchdogPinger(notifier: notifier, interval: .seconds(60),
                                    logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }) { interval in
            try await clock.sleep(until: clock.now().addingTimeInterval(Double(interval.components.seconds)))
        }
        let task = Task { try await pinger.run() }
        await clock.waitForSleeper(until: start.addingTimeInterval(60))
        #expect(socket.receive() == "WATCHDOG=1")
        #expect(socket.receive() == nil)
        clock.advance(to: start.addingTimeInterval(60))
        await clock.waitForSleeper(until: start.addingTimeInterval(120))
        #expect(socket.receive() == "WATCHDOG=1")
        task.cancel()
        try await task.value
        #expect(socket.receive() == nil)
    }
}
