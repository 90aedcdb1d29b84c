import Hummingbird
import Logging
import ServiceLifecycle
import UnpaidCore

/// A loopback stand-in for the billing API and its object store, for tests and demos.
///
/// ```swift
/// let sim = try await BillingSimulator.start(configuration: .init(credentials: ["pub": "priv"]))
/// defer { Task { await sim.stop() } }
/// // POST form to sim.apiURL, then GET the DownloadURL it returns.
/// ```
public final class BillingSimulator: Sendable {
    public let port: Int
    public let catalog: OrderCatalog
    private let services: SimulatorServices
    private let group: ServiceGroup
    private let server: Task<Void, any Error>

    /// `http://127.0.0.1:<port>/`: the API endpoint (POST form or GET query).
    public var apiURL: String { "http://127.0.0.1:\(port)/" }

    private init(port: Int, services: SimulatorServices, group: ServiceGroup, server: Task<Void, any Error>) {
        self.port = port
        self.catalog = services.catalog
        self.services = services
        self.group = group
        self.server = server
    }

    /// Starts listening on 127.0.0.1 and returns once the port is bound.
    public static func start(configuration: SimulatorConfiguration) async throws(SimulatorError) -> BillingSimulator {
        let services = makeServices(configuration)
        let (listening, continuation) = AsyncStream<Int>.makeStream()
        let application = makeApplication(services) { port in
            continuation.yield(port)
            continuation.finish()
        }
        // Its own group, without signal handlers: the host process owns its signals, and
        // stop() shuts down gracefully instead of cancelling connections mid-request.
        let group = ServiceGroup(configuration: .init(services: [application], logger: application.logger))
        let server = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        var iterator = listening.makeAsyncIterator()
        guard let port = await iterator.next() else {
            let reason: String
            switch await server.result {
            case .failure(let error): reason = "\(error)"
            case .success: reason = "the server stopped before listening"
            }
            throw .couldNotListen(port: configuration.port, reason: reason)
        }
        return BillingSimulator(port: port, services: services, group: group, server: server)
    }

    /// Runs until SIGTERM or SIGINT, for the `unpaidd-sim` executable.
    public static func runUntilSignalled(configuration: SimulatorConfiguration,
                                         onListening: @escaping @Sendable (Int) async -> Void) async throws {
        let application = makeApplication(makeServices(configuration), onListening: onListening)
        try await application.runService()
    }

    /// Stops listening, lets requests in flight finish, and returns once the server is down.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = await server.result
    }

    public func setPhase(_ phase: Int) async throws(SimulatorError) {
        guard OrderCatalog.phases.contains(phase) else { throw .unknownPhase(phase) }
        await services.state.setPhase(phase)
    }

    public func currentPhase() async -> Int { await services.state.phase }

    /// Arms `fault` for the next `count` matching requests (0 disarms it).
    public func injectFault(_ fault: SimulatorFault, count: Int, on target: FaultTarget? = nil) async throws(SimulatorError) {
        let target = target ?? fault.defaultTarget
        guard fault.canFire(on: target) else { throw .faultNotApplicable(fault, target) }
        await services.state.arm(fault, count: count, target: target)
    }

    /// Moves the simulator's clock (presigned-URL expiry) forward without sleeping.
    public func advanceClock(by seconds: Int64) async { await services.state.advanceClock(by: seconds) }

    public func counters() async -> SimulatorCounters { await services.state.counters }

    /// The per-(organization, currency) totals an export for `filter` holds in the current phase.
    public func expectedTotals(matching filter: OrderFilter) async -> OrderTotals {
        catalog.expectedTotals(matching: filter, phase: await services.state.phase,
                               arrivals: await services.state.arrivals)
    }

    private static func makeServices(_ configuration: SimulatorConfiguration) -> SimulatorServices {
        SimulatorServices(
            configuration: configuration,
            catalog: OrderCatalog(organizationCount: configuration.organizationCount,
                                  ordersPerOrganization: configuration.ordersPerOrganization,
                                  seed: configuration.seed, now: configuration.now,
                                  earliestStart: configuration.earliestStart),
            state: SimulatorState(),
            store: ObjectStore(retention: max(configuration.urlTTL, 60) * 2))
    }

    private static func makeApplication(_ services: SimulatorServices,
                                        onListening: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: RequestLogMiddleware(log: services.configuration.log))
        let api = BillingAPIHandler(services: services)
        let admin = AdminHandler(services: services)
        let download = ObjectDownloadHandler(services: services)
        router.post("/") { request, _ in try await api.respond(to: request) }
        router.get("/") { request, _ in try await api.respond(to: request) }
        router.post("/_sim/phase") { request, _ in try await admin.setPhase(request) }
        router.post("/_sim/faults") { request, _ in try await admin.injectFault(request) }
        router.post("/_sim/clock") { request, _ in try await admin.advanceClock(request) }
        router.post("/_sim/outage") { request, _ in try await admin.setOutage(request) }
        router.get("/_sim/state") { _, _ in await admin.state() }
        router.get("/_sim/requests") { _, _ in await admin.requests() }
        let webhooks = WebhookInboxHandler(inbox: services.inbox)
        router.post("/_sim/webhooks/{receiver}") { request, context in
            try await webhooks.receive(request, receiver: context.parameters.get("receiver") ?? "webhook")
        }
        router.get("/_sim/webhooks") { _, _ in await webhooks.list() }
        router.get("/**") { request, _ in await download.respond(to: request) }
        var logger = Logger(label: "unpaidd-sim")
        logger.logLevel = .warning
        return Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: services.configuration.port),
                                 serverName: "unpaidd-sim"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? services.configuration.port
                await services.state.setPort(port)
                await onListening(port)
            },
            logger: logger)
    }
}

public enum SimulatorError: Error, Sendable, CustomStringConvertible {
    case couldNotListen(port: Int, reason: String)
    case unknownPhase(Int)
    case faultNotApplicable(SimulatorFault, FaultTarget)

    public var description: String {
        switch self {
        case .couldNotListen(let port, let reason):
            "the billing simulator could not listen on 127.0.0.1:\(port): \(reason)"
        case .unknownPhase(let phase):
            "data phase \(phase) does not exist: phases are \(OrderCatalog.phases.lowerBound)...\(OrderCatalog.phases.upperBound)"
        case .faultNotApplicable(let fault, let target):
            "fault \(fault.rawValue) cannot fire on \(target.rawValue) requests"
        }
    }
}
