import Foundation
import Hummingbird
import UnpaidCore

/// `/_sim/…`: switch data phase, arm faults, move the clock, read state and counters.
struct AdminHandler: Sendable {
    let services: SimulatorServices
    /// Per-organization totals in `/_sim/state` only below this many orders: above it,
    /// computing them would make the state call a load test of its own.
    static let totalsLimit = 50_000

    private struct PhaseBody: Decodable { var phase: Int }
    private struct FaultBody: Decodable {
        var fault: String
        var count: Int
        var on: FaultTarget?
    }
    private struct ClockBody: Decodable { var advance: Int64 }
    private struct OutageBody: Decodable {
        var organization: Int64
        var down: Bool
    }

    /// `{"organization": N, "down": true}`: every export of N is refused (RetCode 230,
    /// not retried) until `"down": false`, as an organization whose access was revoked.
    func setOutage(_ request: Request) async throws -> Response {
        guard let body: OutageBody = try await decode(request) else {
            return Self.badRequest("expected {\"organization\": N, \"down\": true|false}")
        }
        await services.state.setOrganization(body.organization, down: body.down)
        return await state()
    }

    func setPhase(_ request: Request) async throws -> Response {
        guard let body: PhaseBody = try await decode(request) else { return Self.badRequest("expected {\"phase\": N}") }
        guard OrderCatalog.phases.contains(body.phase) else {
            return Self.badRequest("phase \(body.phase) does not exist: phases are \(OrderCatalog.phases)")
        }
        await services.state.setPhase(body.phase)
        return await state()
    }

    func injectFault(_ request: Request) async throws -> Response {
        guard let body: FaultBody = try await decode(request) else {
            return Self.badRequest("expected {\"fault\": NAME, \"count\": N, \"on\": \"api\"|\"download\" (optional)}")
        }
        guard let fault = SimulatorFault(rawValue: body.fault) else {
            let names = SimulatorFault.allCases.map(\.rawValue).joined(separator: ", ")
            return Self.badRequest("unknown fault \"\(body.fault)\": expected one of \(names)")
        }
        let target = body.on ?? fault.defaultTarget
        guard fault.canFire(on: target) else {
            return Self.badRequest("fault \(fault.rawValue) cannot fire on \(target.rawValue) requests")
        }
        await services.state.arm(fault, count: body.count, target: target)
        return await state()
    }

    func advanceClock(_ request: Request) async throws -> Response {
        guard let body: ClockBody = try await decode(request) else { return Self.badRequest("expected {\"advance\": SECONDS}") }
        await services.state.advanceClock(by: body.advance)
        return await state()
    }

    func requests() async -> Response {
        let counters = await services.state.counters
        let data = (try? JSONEncoder().encode(counters)) ?? Data("{}".utf8)
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return JSONResponse.make(object)
    }

    func state() async -> Response {
        let state = services.state
        let catalog = services.catalog
        let phase = await state.phase
        var object: [String: Any] = [
            "phase": phase,
            "phases": Array(OrderCatalog.phases),
            "dataNow": catalog.now,
            "clock": await services.currentTime(),
            "urlTTL": services.configuration.urlTTL,
            "organizations": catalog.organizationIDs,
            "ordersPerOrganization": catalog.ordersPerOrganization,
            "armedFaults": await state.armedFaults,
            "storedObjects": await services.store.count,
        ]
        if catalog.organizationIDs.count * catalog.ordersPerOrganization <= Self.totalsLimit {
            var totals: [[String: Any]] = []
            for id in catalog.organizationIDs {
                var perCurrency: [String: (Int, Money)] = [:]
                for order in catalog.orders(organizationID: id, phase: phase) {
                    let current = perCurrency[order.currency] ?? (0, .zero)
                    perCurrency[order.currency] = (current.0 + 1, current.1 + order.totalPrice)
                }
                for (currency, total) in perCurrency.sorted(by: { $0.key < $1.key }) {
                    totals.append(["OrganizationID": id, "Currency": currency,
                                   "count": total.0, "sum": total.1.description])
                }
            }
            object["totals"] = totals
        }
        return JSONResponse.make(object)
    }

    private func decode<Body: Decodable>(_ request: Request) async throws -> Body? {
        let buffer = try await request.body.collect(upTo: 64 * 1024)
        return try? JSONDecoder().decode(Body.self, from: Data(buffer.readableBytesView))
    }

    static func badRequest(_ message: String) -> Response {
        JSONResponse.make(["error": message], status: .badRequest)
    }
}
