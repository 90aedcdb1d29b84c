import BillingSimulator
import Foundation
import Testing
import UnpaidCore

/// GetOrderAmount answers from the simulator's own data, for the export's filters and
/// window, unless a fault makes it disagree, refuse, or the data move during an export.
@Suite("GetOrderAmount")
struct OrderAmountTests {
    private static let start = testNow - 90 * 86_400, end = testNow + 1

    private func amount(_ sim: BillingSimulator, organization: Int64,
                        extra: [(name: String, value: String)] = []) async throws -> [String: Any] {
        try await sim.call([("Action", "GetOrderAmount"), ("StartTime", String(Self.start)),
                            ("EndTime", String(Self.end)), ("OrganizationIds.0", String(organization))] + extra).json()
    }

    private func exportTotal(_ sim: BillingSimulator, organization: Int64) async throws -> (count: Int, sum: Money) {
        let totals = try SheetInspection(workbook: try await sim.fetchExport(organizations: [organization])).totals()
        let rows = totals.byKey.filter { $0.key.organizationID == organization }.values
        return (rows.reduce(0) { $0 + $1.count }, rows.reduce(Money.zero) { $0 + $1.sum })
    }

    @Test func answersTheExportsCountAndExactAmountAcrossCurrencies() async throws {
        let sim = try await startSimulator()
        defer { Task { await sim.stop() } }
        for organization in sim.catalog.organizationIDs {
            let answer = try await amount(sim, organization: organization)
            let export = try await exportTotal(sim, organization: organization)
            #expect(answer["RetCode"] as? Int == 0)
            #expect(answer["UnpaidCount"] as? Int == export.count)
            #expect(try Money(try #require(answer["UnpaidAmount"] as? String)) == export.sum)
        }
        let filtered = try await amount(sim, organization: 100_001, extra: [("ProductCodes.0", "sandbox")])
        let sandbox = sim.catalog.orders(organizationID: 100_001, phase: 1).filter { $0.productCode == "sandbox" }
        #expect(filtered["UnpaidCount"] as? Int == sandbox.count)
    }

    @Test func disagreeFaultAddsOneOrderAndOneUnit() async throws {
        let sim = try await startSimulator()
        defer { Task { await sim.stop() } }
        let honest = try await amount(sim, organization: 100_003)
        try await sim.injectFault(.amountDisagree, count: 1)
        let faulty = try await amount(sim, organization: 100_003)
        #expect(faulty["UnpaidCount"] as? Int == (honest["UnpaidCount"] as? Int ?? 0) + 1)
        #expect(try Money(try #require(faulty["UnpaidAmount"] as? String))
            == (try Money(try #require(honest["UnpaidAmount"] as? String))) + Money(units: 1, scale: 0))
        #expect(try await amount(sim, organization: 100_003)["UnpaidCount"] as? Int == honest["UnpaidCount"] as? Int)
    }

    @Test func refuseFaultAnswersUnknownAction() async throws {
        let sim = try await startSimulator()
        defer { Task { await sim.stop() } }
        try await sim.injectFault(.refuseAmount, count: 1)
        #expect(try await amount(sim, organization: 100_001)["RetCode"] as? Int == 161)
        #expect(try await amount(sim, organization: 100_001)["RetCode"] as? Int == 0)
    }

    @Test func dataMovingDuringAnExportPutsTheFileBetweenTheTwoAnswers() async throws {
        let sim = try await startSimulator()
        defer { Task { await sim.stop() } }
        let before = try await amount(sim, organization: 100_003)["UnpaidCount"] as? Int ?? -1
        try await sim.injectFault(.movesDuringExport, count: 1)
        let export = try await exportTotal(sim, organization: 100_003)
        let after = try await amount(sim, organization: 100_003)["UnpaidCount"] as? Int ?? -1
        #expect(export.count == before + 1 && after == before + 2)
        // The moved data stays: the next export and answer agree again.
        #expect(try await exportTotal(sim, organization: 100_003).count == after)
        #expect(try await amount(sim, organization: 100_004)["UnpaidCount"] as? Int
            == sim.catalog.orders(organizationID: 100_004, phase: 1).filter { $0.startTime >= Self.start }.count,
            "other organizations do not move")
    }
}
