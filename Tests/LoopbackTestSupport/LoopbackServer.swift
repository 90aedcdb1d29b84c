import Hummingbird
import Logging
import ServiceLifecycle

/// Serves `router` on 127.0.0.1 at an ephemeral port for the duration of `body`, then
/// stops it: the real HTTP peer that transport, API, webhook and daemon tests talk to.
public func withLoopbackServer<Result: Sendable>(
    _ router: Router<BasicRequestContext>,
    _ body: @Sendable (_ port: Int) async throws -> Result
) async throws -> Result {
    let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
    // A server cut short at the end of a test makes Hummingbird log shutdown noise.
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
    let server = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: quiet))
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await server.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw LoopbackServerDidNotStart() }
        let result: Swift.Result<Result, any Error>
        do { result = .success(try await body(port)) } catch { result = .failure(error) }
        // Shut down gracefully first: cancelling a server whose accepted connections are
        // still buffered can trap in NIO ("Deinited NIOAsyncWriter without calling finish()"),
        // which takes the whole test process down. A handler still sleeping by design gets
        // two seconds, then the server is cancelled.
        await server.triggerGracefulShutdown()
        group.addTask { try? await Task.sleep(for: .seconds(2)) }
        _ = try? await group.next()
        group.cancelAll()
        return try result.get()
    }
}

public struct LoopbackServerDidNotStart: Error {}
