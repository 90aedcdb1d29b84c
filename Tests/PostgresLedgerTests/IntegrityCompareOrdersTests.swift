import Foundation
import Ledger
import LedgerTestSupport
import OrderSpill
import Testing
import UnpaidCore

/// `compareOrders` on PostgreSQL gives SQLite's comparison of a snapshot's recorded orders
/// with the orders of its file read again: counts, differences in order, the listing limit.
@Suite struct IntegrityCompareOrdersTests {
    @Test func everySnapshotMatchesItsOwnOrdersAsOnSQLite() async throws {
        let (sqlite, postgres) = try await LedgerFixture.onBoth { fixture in
            try await fixture.recordIntegrityHistory()
            var described: [String] = []
            for id in (1...6).map(SnapshotID.init(rawValue:)) {
                let recorded = try await fixture.ledger.orders(at: id)
                let compared = try await fixture.ledger.compareOrders(at: id, with: try Self.sorted(recorded), listingAtMost: 10)
                #expect(compared.matches && compared.recordedCount == recorded.count && compared.readCount == recorded.count,
                        "\(fixture.backend)")
                described.append(Self.described(compared))
            }
            return described
        }
        expectAlike(postgres, sqlite)
    }

    @Test(arguments: [1, 10])
    func aFileThatDiffersIsComparedAsOnSQLite(listingAtMost limit: Int) async throws {
        let id = SnapshotID(rawValue: 3)
        let (sqlite, postgres) = try await LedgerFixture.onBoth { fixture in
            try await fixture.recordIntegrityHistory()
            var file = try await fixture.ledger.orders(at: id)  // A 10.1 USD, B 0.30 CNY, D 7 without product
            #expect(file.map(\.orderNo) == ["A", "B", "D"])
            file[0].totalPrice = try Money("10.10")
            file[1].currency = "USD"
            file[1].startTime = nil
            file[2].productCode = "uhost"
            file[2].resourceID = nil
            file.append(order("AA", "1"))
            file.append(order("订单-1", "2"))
            let compared = try await fixture.ledger.compareOrders(at: id, with: try Self.sorted(file), listingAtMost: limit)
            #expect(compared.differenceCount == 7 && compared.differences.count == min(limit, 7), "\(fixture.backend)")
            let withoutA = try await fixture.ledger.compareOrders(at: id, with: try Self.sorted(Array(file.dropFirst())),
                                                                  listingAtMost: limit)
            #expect(withoutA.differences.first == OrderDifference(field: "order", orderNo: "A", recorded: "A", read: nil))
            return [Self.described(compared), Self.described(withoutA)]
        }
        expectAlike(postgres, sqlite)
    }

    @Test func anUnknownSnapshotOrADuplicateOrderIsTheSameErrorAsOnSQLite() async throws {
        let unknown = SnapshotID(rawValue: 99)
        let twice = [order("A", "10.1"), order("A", "10.1")]
        let (sqlite, postgres) = try await LedgerFixture.onBoth { fixture in
            try await fixture.recordIntegrityHistory()
            await #expect(throws: LedgerError.unknownSnapshot(unknown)) {
                try await fixture.ledger.compareOrders(at: unknown, with: try Self.sorted([]), listingAtMost: 10)
            }
            do {
                _ = try await fixture.ledger.compareOrders(at: SnapshotID(rawValue: 3), with: try Self.sorted(twice),
                                                           listingAtMost: 10)
                return "compared"
            } catch {
                return "\(error)"
            }
        }
        #expect(sqlite.contains("A") && sqlite != "compared")
        #expect(postgres == sqlite)
    }

    static func sorted(_ orders: [UnpaidOrder]) throws -> SortedOrders {
        try SortedOrders(organizationID: 42, orders)
    }

    static func described(_ comparison: OrderComparison) -> String {
        "recorded \(comparison.recordedCount), read \(comparison.readCount), \(comparison.differenceCount) differences: "
            + comparison.differences.map(\.description).joined(separator: "; ")
    }
}
