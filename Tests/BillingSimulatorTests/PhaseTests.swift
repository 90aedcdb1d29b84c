import BillingSimulator
import Foundation
import Testing
import UnpaidCore

@Suite("Data phases")
struct PhaseTests {
    private func totals(_ sim: BillingSimulator) async throws -> OrderTotals {
        try SheetInspection(workbook: try await sim.fetchExport(organizations: [100_001, 100_002, 100_003, 100_004])).totals()
    }

    private func organization(_ totals: OrderTotals, _ id: Int64) -> [String: Total] {
        Dictionary(uniqueKeysWithValues: totals.sorted.filter { $0.key.organizationID == id }.map { ($0.key.currency, $0.total) })
    }

    @Test func phasesTellTheStory() async throws {
        let sim = try await startSimulator()
        defer { Task { await sim.stop() } }
        let phase1 = try await totals(sim)
        #expect(organization(phase1, 100_002).keys.sorted() == ["CNY", "USD"])
        #expect(organization(phase1, 100_003).keys.sorted() == ["USD"])
        #expect(phase1 == sim.catalog.expectedTotals(
            matching: OrderFilter(window: try BillingWindow(start: testNow - 90 * 86_400, end: testNow + 1)), phase: 1))

        let switched = try await HTTP.postJSON(sim.adminURL + "phase", #"{"phase":2}"#)
        #expect(try switched.json()["phase"] as? Int == 2)
        let phase2 = try await totals(sim)
        // 100001: three orders paid, two new ones.
        #expect(organization(phase2, 100_001)["CNY"]?.count == 30 - 3 + 2)
        // 100002: same orders, one amount raised by 123.456789.
        let before = organization(phase1, 100_002), after = organization(phase2, 100_002)
        #expect(before.mapValues(\.count) == after.mapValues(\.count))
        let raised = before.values.reduce(Money.zero) { $0 + $1.sum } + (try Money("123.456789"))
        #expect(after.values.reduce(Money.zero) { $0 + $1.sum } == raised)
        // 100003 never changes.
        #expect(organization(phase2, 100_003) == organization(phase1, 100_003))
        // 100004: four new orders.
        #expect(organization(phase2, 100_004)["CNY"]?.count == 34)

        try await sim.setPhase(3)
        let phase3 = try await totals(sim)
        #expect(organization(phase3, 100_001)["CNY"]?.count == 30 - 8 + 2)
        #expect(organization(phase3, 100_002) == organization(phase2, 100_002))
        #expect(organization(phase3, 100_003) == organization(phase1, 100_003))
        #expect(organization(phase3, 100_004).isEmpty)

        let state = try await HTTP.get(sim.adminURL + "state").json()
        #expect(state["phase"] as? Int == 3)
        #expect(try await HTTP.postJSON(sim.adminURL + "phase", #"{"phase":9}"#).status == 400)
        await #expect(throws: SimulatorError.self) { try await sim.setPhase(0) }
    }

    @Test func dataIsDeterministicForASeed() {
        let a = OrderCatalog(organizationCount: 3, ordersPerOrganization: 50, seed: 42, now: testNow)
        let b = OrderCatalog(organizationCount: 3, ordersPerOrganization: 50, seed: 42, now: testNow)
        let c = OrderCatalog(organizationCount: 3, ordersPerOrganization: 50, seed: 43, now: testNow)
        #expect(a.orders(organizationID: 100_002, phase: 1) == b.orders(organizationID: 100_002, phase: 1))
        #expect(a.orders(organizationID: 100_002, phase: 1) != c.orders(organizationID: 100_002, phase: 1))
        let orders = a.orders(organizationID: 100_001, phase: 1)
        #expect(orders.allSatisfy { $0.startTime < testNow && $0.startTime >= testNow - 62 * 86_400 })
        // Daily windows have data: a quarter of the orders started in the last two days.
        #expect(orders.filter { $0.startTime >= testNow - 2 * 86_400 }.count >= 50 / 4)
    }
}

@Suite("Earliest start")
struct EarliestStartTests {
    /// Twenty minutes into a month, say: a month-to-date window from there must hold
    /// every order of every phase, the same orders as without the bound.
    @Test func everyOrderStartsInsideTheWindowFromTheEarliestStart() {
        let earliest = testNow - 1_200
        let bounded = OrderCatalog(organizationCount: 4, ordersPerOrganization: 50, seed: 42, now: testNow,
                                   earliestStart: earliest)
        let free = OrderCatalog(organizationCount: 4, ordersPerOrganization: 50, seed: 42, now: testNow)
        for phase in OrderCatalog.phases {
            for organization in bounded.organizationIDs {
                let orders = bounded.orders(organizationID: organization, phase: phase, arrivals: 3)
                let unbounded = free.orders(organizationID: organization, phase: phase, arrivals: 3)
                #expect(orders.allSatisfy { (earliest..<testNow).contains($0.startTime) }, "\(organization) phase \(phase)")
                #expect(orders.map(\.orderNo) == unbounded.map(\.orderNo))
                #expect(orders.map(\.totalPrice) == unbounded.map(\.totalPrice))
            }
        }
        #expect(free.orders(organizationID: 100_001, phase: 1).contains { $0.startTime < earliest }, "the bound moved something")
    }

    @Test func ordersAlreadyInsideTheWindowKeepTheirStart() {
        let earliest = testNow - 62 * 86_400 - 1
        let bounded = OrderCatalog(organizationCount: 2, ordersPerOrganization: 40, seed: 7, now: testNow, earliestStart: earliest)
        let free = OrderCatalog(organizationCount: 2, ordersPerOrganization: 40, seed: 7, now: testNow)
        #expect(bounded.orders(organizationID: 100_002, phase: 2) == free.orders(organizationID: 100_002, phase: 2))
    }
}
