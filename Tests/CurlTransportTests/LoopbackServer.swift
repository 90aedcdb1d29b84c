import Foundation
import Synchronization
import Hummingbird
import Logging

/// Runs a Hummingbird router on 127.0.0.1 with an ephemeral port for the duration of `body`.
func withLoopbackServer<Result: Sendable>(
    _ router: Router<BasicRequestContext>,
    _ body: @Sendable (_ port: Int) async throws -> Result
) async throws -> Result {
    let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
    let app = Application(
        router: router,
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in portContinuation.yield(channel.localAddress?.port ?? 0) },
        logger: quietLogger
    )
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw ServerDidNotStart() }
        defer { group.cancelAll() }
        return try await body(port)
    }
}

struct ServerDidNotStart: Error {}

/// Cancelling the server at the end of a test makes Hummingbird log shutdown noise.
let quietLogger: Logger = {
    var logger = Logger(label: "loopback-server")
    logger.logLevel = .critical
    return logger
}()

/// A fresh empty directory, removed by the caller.
func makeSpoolDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("curl-transport-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func spoolContents(_ path: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: path)
}

/// Deterministic, non-repeating-looking bytes, so a misplaced resume changes the hash.
func patternBytes(count: Int) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 13) }
}

/// Thread-safe log of what the server saw.
final class Recorder: Sendable {
    private let lines = Mutex<[String]>([])
    func record(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}
