import Hummingbird
import Logging

/// Serves `router` on 127.0.0.1 at an ephemeral port for the duration of `body`, then
/// stops it: the real HTTP peer that transport, API, webhook and daemon tests talk to.
public func withLoopbackServer<Result: Sendable>(
    _ router: Router<BasicRequestContext>,
    _ body: @Sendable (_ port: Int) async throws -> Result
) async throws -> Result {
    let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
    // Cancelling the server at the end of a test makes Hummingbird log shutdown noise.
    var quiet = Logger(label: "loopback-server")
    quiet.logLevel = .critical
    let app = Application(
        router: router,
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            portContinuation.yield(channel.localAddress?.port ?? 0)
            portContinuation.finish()
        },
        logger: quiet
    )
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw LoopbackServerDidNotStart() }
        defer { group.cancelAll() }
        return try await body(port)
    }
}

public struct LoopbackServerDidNotStart: Error {}
