import Testing
import UnpaidCore

@Suite struct PackedOrdersTests {
    @Test func ordersComeBackAsTheyWentIn() async throws {
        let orders = [
            UnpaidOrder(orderNo: "U-1", organizationID: 7, currency: "USD", totalPrice: try Money("10.50"),
                        startTime: 1_790_000_000, productCode: "uhost", resourceID: "uhost-1", modelID: nil),
            // Empty texts stay empty, nil stays nil; multi-byte text keeps its bytes.
            UnpaidOrder(orderNo: "订单-2", organizationID: 7, currency: "CNY", totalPrice: try Money("-0.000001"),
                        startTime: nil, productCode: "", resourceID: nil, modelID: "模型 ✓"),
            UnpaidOrder(orderNo: "3", organizationID: 7, currency: "USD",
                        totalPrice: Money(units: Int128(Int64.max) * 1_000, scale: 2), startTime: -1),
        ]
        let packed = try PackedOrders(organizationID: 7, orders)
        #expect(Array(packed) == orders)
        #expect(packed.count == 3)
        #expect(packed.totals == ["USD": Total(count: 2, sum: try Money("10.50") + Money(units: Int128(Int64.max) * 1_000, scale: 2)),
                                  "CNY": Total(count: 1, sum: try Money("-0.000001"))])
        packed.withFields { fields in
            #expect(Array(fields.orderNo(1)) == Array("订单-2".utf8))
            #expect(fields.productCode(1).map(Array.init) == [])
            #expect(fields.resourceID(1) == nil && fields.modelID(0) == nil)
            #expect(fields.amount(0).description == "10.50")
        }
    }

    @Test func anOrderOfAnotherOrganizationIsRefused() {
        var packed = PackedOrders(organizationID: 7)
        #expect(throws: PackedOrders.ForeignOrder(orderNo: "X", organizationID: 8)) {
            try packed.append(order("X", "1", org: 8))
        }
        #expect(packed.isEmpty && packed.totals.isEmpty)
    }

    @Test func largestOrdersOfOneCurrencyLargestFirstTiesByNumber() async throws {
        let packed = try PackedOrders(organizationID: 1, [
            order("A", "5"), order("B", "9.00"), order("C", "9"), order("D", "100", currency: "CNY"),
            order("E", "1"), order("F", "7"),
        ])
        #expect(packed.largest(3, currency: "USD").map(\.orderNo) == ["B", "C", "F"])
        #expect(packed.largest(10, currency: "USD").map(\.orderNo) == ["B", "C", "F", "A", "E"])
        #expect(packed.largest(1, currency: "CNY") == [OrderAmount(orderNo: "D", amount: try Money("100"))])
        #expect(packed.largest(0, currency: "USD").isEmpty && packed.largest(5, currency: "EUR").isEmpty)
    }

    @Test func largestCanKeepOnlyOrdersBilledBeforeACutoff() async throws {
        let packed = try PackedOrders(organizationID: 1, [
            order("old", "1", start: 100), order("new", "50", start: 200), order("undated", "99"),
            order("older", "3", start: 50),
        ])
        #expect(packed.largest(5, currency: "USD", startedBefore: 200).map(\.orderNo) == ["older", "old"])
        #expect(packed.largest(5, currency: "USD", startedBefore: 50).isEmpty)
    }

    @Test func aDiffFromMovesIsTheDiffOfBothOrderSets() async throws {
        let previous = [order("A", "10"), order("B", "4"), order("C", "1.5"), order("D", "2", currency: "CNY"),
                        order("E", "3")]
        let current = [order("A", "10"), order("B", "6"), order("C", "1.50"), order("D", "2"),
                       order("F", "8", currency: "CNY")]
        let moves: [OrderMove] = [
            .changed(currency: "USD", ChangedOrder(orderNo: "B", before: try Money("4"), after: try Money("6"))),
            .gone(currency: "CNY", OrderAmount(orderNo: "D", amount: try Money("2"))),
            .new(currency: "USD", OrderAmount(orderNo: "D", amount: try Money("2"))),
            .gone(currency: "USD", OrderAmount(orderNo: "E", amount: try Money("3"))),
            .new(currency: "CNY", OrderAmount(orderNo: "F", amount: try Money("8"))),
        ]
        let before = try PackedOrders(organizationID: 1, previous).totals
        let after = try PackedOrders(organizationID: 1, current).totals
        let diff = SnapshotDiff(organizationID: 1, before: before, after: after, moves: moves)
        #expect(diff == SnapshotDiff(previous: previous, current: current))
        #expect(diff.currencies.map(\.key.currency) == ["CNY", "USD"])
        #expect(SnapshotDiff(organizationID: 1, before: after, after: after, moves: []).isEmpty)
    }
}
