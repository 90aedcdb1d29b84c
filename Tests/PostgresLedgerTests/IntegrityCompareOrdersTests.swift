import Foundation
import Ledger
import OrderSpill
import PostgresLedger
import Testing
import UnpaidCore

/// `compareOrders` on PostgreSQL gives SQLite's comparison of a snapshot's recorded orders
/// with the orders of its file read again: counts, differences in order, the listing limit.
@Suite struct IntegrityCompareOrdersTests {
    @Test func everySnapshotMatchesItsOwnOrdersAsOnSQLite() async throws {
        let twin = try await IntegrityTwin.make()
        try await twin.withPostgres { postgres in
            for id in (1...6).map(SnapshotID.init(rawValue:)) {
                let recorded = try twin.sqlite.orders(at: id)
                let compared = try await postgres.compareOrders(at: id, with: try Self.sorted(recorded), listingAtMost: 10)
                #expect(compared.matches && compared.recordedCount == recorded.count && compared.readCount == recorded.count)
                #expect(Self.described(compared)
                        == Self.described(try twin.sqlite.compareOrders(at: id, with: try Self.sorted(recorded))))
            }
        }
    }

    @Test(arguments: [1, 10])
    func aFileThatDiffersIsComparedAsOnSQLite(listingAtMost limit: Int) async throws {
        let twin = try await IntegrityTwin.make()
        let id = SnapshotID(rawValue: 3)
        var file = try twin.sqlite.orders(at: id)  // A 10.1 USD, B 0.30 CNY, D 7 without product
        #expect(file.map(\.orderNo) == ["A", "B", "D"])
        file[0].totalPrice = try Money("10.10")
        file[1].currency = "USD"
        file[1].startTime = nil
        file[2].productCode = "uhost"
        file[2].resourceID = nil
        file.append(twin.order("AA", "1"))
        file.append(twin.order("订单-1", "2"))
        let reference = try twin.sqlite.compareOrders(at: id, with: try Self.sorted(file), listingAtMost: limit)
        #expect(reference.differenceCount == 7 && reference.differences.count == min(limit, 7))
        let compared = try await twin.withPostgres { postgres in
            try await postgres.compareOrders(at: id, with: try Self.sorted(file), listingAtMost: limit)
        }
        #expect(Self.described(compared) == Self.described(reference))

        let fewer = Array(file.dropFirst())
        let withoutA = try await twin.withPostgres { postgres in
            try await postgres.compareOrders(at: id, with: try Self.sorted(fewer), listingAtMost: limit)
        }
        #expect(withoutA.differences.first == OrderDifference(field: "order", orderNo: "A", recorded: "A", read: nil))
        #expect(Self.described(withoutA)
                == Self.described(try twin.sqlite.compareOrders(at: id, with: try Self.sorted(fewer), listingAtMost: limit)))
    }

    @Test func anUnknownSnapshotOrADuplicateOrderIsTheSameErrorAsOnSQLite() async throws {
        let twin = try await IntegrityTwin.make()
        let unknown = SnapshotID(rawValue: 99)
        #expect(throws: LedgerError.unknownSnapshot(unknown)) {
            try twin.sqlite.compareOrders(at: unknown, with: try Self.sorted([]))
        }
        let twice = [twin.order("A", "10.1"), twin.order("A", "10.1")]
        var reference = ""
        do { _ = try twin.sqlite.compareOrders(at: SnapshotID(rawValue: 3), with: try Self.sorted(twice)) } catch {
            reference = "\(error)"
        }
        #expect(reference.contains("A"))
        try await twin.withPostgres { postgres in
            await #expect(throws: LedgerError.unknownSnapshot(unknown)) {
                try await postgres.compareOrders(at: unknown, with: try Self.sorted([]), listingAtMost: 10)
            }
            var found = ""
            do {
                _ = try await postgres.compareOrders(at: SnapshotID(rawValue: 3), with: try Self.sorted(twice), listingAtMost: 10)
            } catch {
                found = "\(error)"
            }
            #expect(found == reference)
        }
    }

    static func sorted(_ orders: [UnpaidOrder]) throws -> SortedOrders {
        try SortedOrders(organizationID: 42, orders)
    }

    static func described(_ comparison: OrderComparison) -> String {
        "recorded \(comparison.recordedCount), read \(comparison.readCount), \(comparison.differenceCount) differences: "
            + comparison.differences.map(\.description).joined(separator: "; ")
    }
}
