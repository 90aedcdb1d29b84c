import Testing
import Foundation
import UnpaidCore

func order(_ number: String, _ amount: String, org: Int64 = 1, currency: String = "USD",
           start: Int64? = nil) -> UnpaidOrder {
    UnpaidOrder(orderNo: number, organizationID: org, currency: currency,
                totalPrice: try! Money(amount), startTime: start)
}

@Suite struct SnapshotDiffTests {
    let usd = TotalsKey(organizationID: 1, currency: "USD")

    @Test func unchangedSnapshotsGiveAnEmptyDiff() {
        let orders = [order("A", "10.50"), order("B", "2"), order("C", "1", currency: "CNY")]
        // Same orders in another row order, one amount written with another scale.
        let reordered = [order("C", "1.00", currency: "CNY"), order("B", "2"), order("A", "10.5")]
        #expect(SnapshotDiff(previous: orders, current: reordered).isEmpty)
    }

    @Test func newOrdersRaiseTheTotal() async throws {
        let diff = SnapshotDiff(previous: [order("A", "10")],
                                current: [order("A", "10"), order("B", "5.25"), order("C", "7")])
        let usd = try #require(diff[usd])
        #expect(usd.before == Total(count: 1, sum: try Money("10")))
        #expect(usd.after == Total(count: 3, sum: try Money("22.25")))
        #expect(usd.delta == (try Money("12.25")))
        #expect(usd.relativeDelta == 1.225)
        #expect(usd.newOrders.map(\.orderNo) == ["C", "B"])  // largest first
        #expect(usd.goneOrders.isEmpty && usd.changedOrders.isEmpty)
    }

    @Test func paidOrdersAreGone() async throws {
        let diff = SnapshotDiff(previous: [order("A", "10"), order("B", "4")], current: [order("B", "4")])
        let usd = try #require(diff[usd])
        #expect(usd.goneOrders == [OrderAmount(orderNo: "A", amount: try Money("10"))])
        #expect(usd.delta == (try Money("-10")))
        #expect(usd.relativeDelta.map { abs($0 - -10.0 / 14.0) < 1e-12 } == true)
        #expect(usd.after.count == 1)
    }

    @Test func changedAmountsAreReportedPerOrder() async throws {
        let diff = SnapshotDiff(previous: [order("A", "10"), order("B", "3")],
                                current: [order("A", "12.5"), order("B", "3.000")])
        let usd = try #require(diff[usd])
        #expect(usd.changedOrders == [ChangedOrder(orderNo: "A", before: try Money("10"), after: try Money("12.5"))])
        #expect(usd.changedOrders.first?.delta == (try Money("2.5")))
        #expect(usd.newOrders.isEmpty && usd.goneOrders.isEmpty)
    }

    @Test func currenciesAndOrganizationsNeverMix() async throws {
        let diff = SnapshotDiff(
            previous: [order("A", "10"), order("X", "100", currency: "CNY"), order("Z", "1", org: 2)],
            current: [order("A", "10"), order("Y", "50", currency: "CNY"), order("Z", "1", org: 2)])
        #expect(diff.currencies.map(\.key) == [TotalsKey(organizationID: 1, currency: "CNY")])
        let cny = try #require(diff.currencies.first)
        #expect(cny.delta == (try Money("-50")))
        #expect(cny.newOrders.map(\.orderNo) == ["Y"])
        #expect(cny.goneOrders.map(\.orderNo) == ["X"])
    }

    @Test func firstOrderInACurrencyHasNoRelativeDelta() async throws {
        let diff = SnapshotDiff(previous: [], current: [order("A", "3", currency: "EUR")])
        let eur = try #require(diff[TotalsKey(organizationID: 1, currency: "EUR")])
        #expect(eur.before == Total())
        #expect(eur.relativeDelta == nil)
        #expect(eur.delta == (try Money("3")))
    }

    @Test func rowsSharingAnOrderNumberAreOneOrder() async throws {
        let diff = SnapshotDiff(previous: [order("A", "1"), order("A", "2")],
                                current: [order("A", "1"), order("A", "2.5")])
        let usd = try #require(diff[usd])
        #expect(usd.changedOrders == [ChangedOrder(orderNo: "A", before: try Money("3"), after: try Money("3.5"))])
        #expect(usd.before.count == 2 && usd.after.count == 2)
    }

    @Test func roundTripsThroughJSONForTheLedger() async throws {
        let diff = SnapshotDiff(previous: [order("A", "10.10")], current: [order("B", "0.000001")])
        let data = try JSONEncoder().encode(diff)
        #expect(try JSONDecoder().decode(SnapshotDiff.self, from: data) == diff)
    }

    /// A diff stays small whatever the file: every moved order is counted, the largest
    /// few of each kind are listed, and the streaming builder agrees with the whole-set diff.
    @Test func aDiffCountsEveryMoveAndListsTheLargestFew() async throws {
        let previous = (0..<40).map { order("P\($0)", "\($0)") } + (0..<30).map { order("C\($0)", "1") }
        let current = (0..<25).map { order("N\($0)", "\($0 % 13).5") } + (0..<30).map { order("C\($0)", "\($0 * 2 + 1)") }
        let diff = SnapshotDiff(previous: previous, current: current)
        let usd = try #require(diff[usd])
        let limit = CurrencyDiff.listedOrderLimit
        #expect((usd.newOrderCount, usd.goneOrderCount, usd.changedOrderCount) == (25, 40, 29))
        #expect(usd.newOrders.count == limit && usd.goneOrders.count == limit && usd.changedOrders.count == limit)
        #expect(usd.goneOrders.map(\.orderNo) == (30..<40).reversed().map { "P\($0)" })
        #expect(usd.newOrders.map(\.amount) == usd.newOrders.map(\.amount).sorted(by: >))
        #expect(usd.changedOrders.first?.orderNo == "C29")

        var builder = SnapshotDiffBuilder()
        let old = Dictionary(uniqueKeysWithValues: previous.map { ($0.orderNo, $0) })
        let new = Dictionary(uniqueKeysWithValues: current.map { ($0.orderNo, $0) })
        for order in current.shuffled() {
            if let before = old[order.orderNo] {
                if before.totalPrice != order.totalPrice {
                    builder.addChanged(currency: "USD", before: before.totalPrice, after: order.totalPrice) { order.orderNo }
                }
            } else {
                builder.addNew(currency: "USD", amount: order.totalPrice, startTime: nil) { order.orderNo }
            }
        }
        for order in previous.shuffled() where new[order.orderNo] == nil {
            builder.addGone(currency: "USD", amount: order.totalPrice, startTime: nil) { order.orderNo }
        }
        #expect(builder.diff(organizationID: 1, before: ["USD": usd.before], after: ["USD": usd.after]) == diff)
    }

    /// Diffs stored before the counts existed listed every order: they read back with
    /// the lists' lengths as counts.
    @Test func aDiffStoredWithoutCountsReadsItsListsAsCounts() async throws {
        let json = """
            {"currencies":[{"key":{"organizationID":1,"currency":"USD"},"before":{"count":1,"sum":"1"},
            "after":{"count":2,"sum":"3"},"newOrders":[{"orderNo":"B","amount":"2"}],"goneOrders":[],"changedOrders":[]}]}
            """
        let diff = try JSONDecoder().decode(SnapshotDiff.self, from: Data(json.utf8))
        #expect(diff.currencies.first?.newOrderCount == 1)
        #expect(diff.currencies.first?.goneOrderCount == 0)
    }
}
