import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// `GET /metrics` (Prometheus text format) and `GET /healthz` on `[metrics] listen`: a
/// swift-service-lifecycle `Service`, so it starts and stops with the daemon.
public struct MetricsServer: Service {
    let application: any Service
    let address: String

    public init(exposition: MetricsExposition, host: String, port: Int, logger: Logger) {
        address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        let router = Router()
        router.get("/metrics") { _, _ in
            Response(status: .ok,
                     headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: await exposition.scrape())))
        }
        router.get("/healthz") { _, _ in
            let (healthy, text) = await exposition.health()
            return Response(status: healthy ? .ok : .serviceUnavailable,
                            headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .warning)
        application = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "unpaidd"),
            onServerRunning: { channel in
                logger.info("metrics listening", metadata: [
                    "address": "\(host)", "port": "\(channel.localAddress?.port ?? port)"])
            },
            logger: quiet)
    }

    public func run() async throws {
        do {
            try await application.run()
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw MetricsServerError.cannotListen(address: address, detail: "\(error)")
        }
    }
}

public enum MetricsServerError: Error, Sendable, CustomStringConvertible {
    /// The listener could not start (port taken, address not on this host, no permission).
    case cannotListen(address: String, detail: String)

    public var description: String {
        switch self {
        case .cannotListen(let address, let detail):
            "metrics.listen: cannot serve /metrics on \(address) (\(detail)); choose a free port or another address, or remove [metrics] listen"
        }
    }
}
