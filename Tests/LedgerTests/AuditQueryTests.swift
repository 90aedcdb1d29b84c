import Foundation
import Testing
import UnpaidCore
import Ledger
import LedgerTestSupport
import SeededRandomness

@Suite struct AuditQueryTests {
    func orders(at id: SnapshotID, in fixture: LedgerFixture, ageAt: Date? = nil) async throws -> [AuditOrder] {
        var listed: [AuditOrder] = []
        _ = try await fixture.ledger.auditOrders(at: id, ageAt: ageAt) { listed.append($0) }
        return listed
    }

    @Test(arguments: LedgerBackend.allCases)
    func ordersOfEachSnapshotAreWhatWasRecordedWithWhereTheyWereFirstSeen(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let first = try await fixture.record([order("A", "1.10"), order("B", "2.205", currency: "CNY"), order("C", "3")],
                                                 shaSeed: 1, minute: 0)
            let second = try await fixture.record([order("A", "1.20"), order("C", "3"), order("D", "4")], shaSeed: 2, minute: 60)
            let third = try await fixture.record([order("A", "1.20"), order("B", "2.205", currency: "CNY"), order("D", "4")],
                                                 shaSeed: 3, minute: 120)

            let atFirst = try await orders(at: first.id, in: fixture)
            #expect(atFirst.map(\.order) == [order("A", "1.10"), order("B", "2.205", currency: "CNY"), order("C", "3")])
            #expect(atFirst.allSatisfy { $0.firstSeenSnapshotID == first.id && $0.snapshotID == first.id && $0.job == "monthly" })
            let atThird = try await orders(at: third.id, in: fixture)
            #expect(atThird.map(\.order.orderNo) == ["A", "B", "D"])
            #expect(atThird.map(\.order.totalPrice.description) == ["1.20", "2.205", "4"])
            // A changed amount and a return after a gap keep the first sighting.
            #expect(atThird.map(\.firstSeenSnapshotID) == [first.id, first.id, second.id])
            #expect(atThird.map(\.firstSeenAt) == [first.fetchedAt, first.fetchedAt, second.fetchedAt])
            // Ages count whole days from the billing start (1_791_000_000) to the moment asked.
            let moment = Date(timeIntervalSince1970: 1_791_000_000 + 3 * 86_400 - 1)
            #expect(try await orders(at: third.id, in: fixture, ageAt: moment).map(\.ageDays) == [2, 2, 2])
            await #expect(throws: LedgerError.unknownSnapshot(SnapshotID(rawValue: 99))) {
                try await fixture.ledger.auditOrders(at: SnapshotID(rawValue: 99), ageAt: nil) { _ in }
            }
        }
    }

    /// Random histories of order numbers that sort in byte order, not by length or
    /// case (`A` < `A0` < `AB` < `a` < `订`): each snapshot's listing is its recorded set,
    /// by order number, and each order's first sighting is the earliest snapshot whose
    /// set held it, as a replay of the sets says. Older snapshots and the latest one are
    /// read by different queries; both are checked.
    @Test(arguments: LedgerBackend.allCases, [1, 2, 3, 4] as [UInt64])
    func listingsAndFirstSightingsMatchAReplayOfTheSets(_ backend: LedgerBackend, seed: UInt64) async throws {
        try await LedgerFixture.with(backend) { fixture in
            var random = SplitMix64(seed: seed)
            let numbers = ["A", "A0", "AB", "A\u{7f}", "B", "a", "订", "订单1", "Z9", "Z10", "0", "00"]
            var sets: [(record: SnapshotRecord, orders: [String: UnpaidOrder])] = []
            for step in 0..<10 {
                var current: [String: UnpaidOrder] = [:]
                for number in numbers where random.next() % 3 != 0 {
                    current[number] = order(number, "\(random.next() % 4).5")
                }
                let record = try await fixture.record(Array(current.values), shaSeed: step + 1, minute: step)
                sets.append((record, current))
            }
            for (index, snapshot) in sets.enumerated() {
                let listed = try await orders(at: snapshot.record.id, in: fixture)
                let expected = snapshot.orders.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
                #expect(listed.map(\.order.orderNo) == expected, "snapshot \(index)")
                #expect(listed.map(\.order) == expected.map { snapshot.orders[$0]! })
                let earliest = expected.map { number in
                    sets.prefix(index + 1).first { $0.orders[number] != nil }!.record.id
                }
                #expect(listed.map(\.firstSeenSnapshotID) == earliest, "snapshot \(index)")
            }
        }
    }

    @Test(arguments: LedgerBackend.allCases)
    func asOfTakesEachSeriesLatestSnapshotAtOrBeforeTheDate(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let early = try await fixture.record([order("A", "1")], shaSeed: 1, minute: 0)
            let other = try await fixture.record([order("X", "9", organizationID: 43)], organizationID: 43, shaSeed: 2, minute: 5)
            let daily = try await fixture.record([order("A", "1")], job: "daily", shaSeed: 3, minute: 10)
            let late = try await fixture.record([order("A", "2")], shaSeed: 4, minute: 20)
            let at = { (minute: Double) in LedgerFixture.base.addingTimeInterval(minute * 60) }
            let ledger = fixture.ledger

            #expect(try await ledger.snapshots(asOf: at(-1), organizationID: nil, job: nil).isEmpty)
            #expect(try await ledger.snapshots(asOf: at(10), organizationID: nil, job: nil).map(\.id)
                        == [daily.id, early.id, other.id])
            #expect(try await ledger.snapshots(asOf: at(30), organizationID: 42, job: nil).map(\.id) == [daily.id, late.id])
            #expect(try await ledger.snapshots(asOf: at(19), organizationID: 42, job: "monthly").map(\.id) == [early.id])
        }
    }

    @Test(arguments: LedgerBackend.allCases)
    func anOrdersTimelineShowsFirstSightingChangesGapsAndItsEnd(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let s1 = try await fixture.record([order("A", "1.10")], shaSeed: 1, minute: 0)
            let s2 = try await fixture.record([order("A", "1.20")], shaSeed: 2, minute: 1)
            let s3 = try await fixture.record([order("A", "1.20", currency: "CNY")], shaSeed: 3, minute: 2)
            let s4 = try await fixture.record([], shaSeed: 4, minute: 3)
            let s5 = try await fixture.record([order("A", "5")], shaSeed: 5, minute: 4)
            let daily = try await fixture.record([order("A", "1.10")], job: "daily", shaSeed: 6, minute: 5)
            let dailyGone = try await fixture.record([], job: "daily", shaSeed: 7, minute: 6)

            let timelines = try await fixture.ledger.orderTimelines(orderNo: "A")
            #expect(timelines.map(\.job) == ["daily", "monthly"])
            let monthly = timelines[1]
            #expect(monthly.events.map(\.kind) == [.firstSeen, .changed, .changed, .gone, .reappeared])
            #expect(monthly.events.map(\.snapshotID) == [s1.id, s2.id, s3.id, s4.id, s5.id])
            #expect(monthly.events.map(\.amount.description) == ["1.10", "1.20", "1.20", "1.20", "5"])
            #expect(monthly.events[2].previousCurrency == "USD" && monthly.events[2].currency == "CNY")
            #expect(monthly.events[1].previousAmount == amount("1.10"))
            #expect(monthly.events[3].fetchedAt == s4.fetchedAt)
            #expect(monthly.stillUnpaidAt == s5.id)
            #expect(timelines[0].events.map(\.kind) == [.firstSeen, .gone])
            #expect(timelines[0].events.map(\.snapshotID) == [daily.id, dailyGone.id])
            #expect(timelines[0].stillUnpaidAt == nil)
            await #expect(throws: AuditError.unknownOrder(orderNo: "nope")) {
                try await fixture.ledger.orderTimelines(orderNo: "nope")
            }
        }
    }

    @Test(arguments: LedgerBackend.allCases)
    func agingBucketsAddUpToTheRecordedTotal(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let asOf: Int64 = 1_800_000_000
            func aged(_ number: String, _ amount: String, days: Int64?, currency: String = "USD") -> UnpaidOrder {
                var made = order(number, amount, currency: currency)
                made.startTime = days.map { asOf - $0 * 86_400 }
                return made
            }
            let snapshot = try await fixture.record([
                aged("A", "1", days: 0), aged("B", "2", days: 30), aged("C", "4", days: 31), aged("D", "8", days: 90),
                aged("E", "16", days: 91), aged("F", "32", days: -1), aged("G", "64", days: nil),
                aged("H", "0.5", days: 5, currency: "CNY"),
            ], shaSeed: 1, minute: 0)
            let lines = try await fixture.ledger.aging(organizationID: nil, job: nil,
                                                       asOf: Date(timeIntervalSince1970: TimeInterval(asOf)),
                                                       buckets: try AgingBuckets([30, 60, 90]))
            #expect(lines.map(\.currency) == ["CNY", "USD"])
            let usd = lines[1]
            #expect(usd.snapshotID == snapshot.id)
            #expect(usd.buckets.map(\.sum.description) == ["3", "4", "8", "16"])
            #expect(usd.buckets.map(\.count) == [2, 1, 1, 1])
            #expect(usd.notYetStarted.sum == amount("32") && usd.noStartTime.sum == amount("64"))
            #expect(usd.bucketedTotal == usd.total && usd.total.sum == amount("127"))
            #expect(AgingBuckets.standard.labels == ["0-30", "31-60", "61-90", "over 90"])
            #expect(throws: AuditError.invalidAgingBuckets([30, 30])) { try AgingBuckets([30, 30]) }
        }
    }

    @Test(arguments: LedgerBackend.allCases)
    func recordedChangesListTheOrdersBehindEachChange(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let first = try await fixture.recordAlerting([order("A", "1"), order("B", "2")], shaSeed: 1, minute: 0).record
            let second = try await fixture.recordAlerting([order("A", "1.5"), order("C", "3")], shaSeed: 2, minute: 1).record
            var changes: [RecordedChange] = []
            try await fixture.ledger.recordedChanges(organizationID: nil, job: nil, since: nil, until: nil) {
                changes.append($0)
            }
            #expect(changes.count == 1)
            let change = try #require(changes.first)
            #expect(change.snapshotID == second.id && change.previousSnapshotID == first.id && change.currency == "USD")
            #expect(change.before == Total(count: 2, sum: amount("3")) && change.after == Total(count: 2, sum: amount("4.5")))
            #expect(change.delta == amount("1.5"))
            #expect(change.orders.map(\.orderNo) == ["A", "B", "C"])
            #expect(change.orders.map(\.kind) == [.changed, .gone, .new])
            var none = 0
            try await fixture.ledger.recordedChanges(organizationID: 43, job: nil, since: nil, until: nil) { _ in none += 1 }
            try await fixture.ledger.recordedChanges(organizationID: nil, job: nil,
                                                     since: second.fetchedAt.addingTimeInterval(1), until: nil) { _ in
                none += 1
            }
            #expect(none == 0)
        }
    }

    @Test(arguments: LedgerBackend.allCases)
    func aLedgerThatDisagreesWithItselfIsAnErrorNotAnAnswer(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let first = try await fixture.record([order("A", "1")], shaSeed: 1, minute: 0)
            let second = try await fixture.record([order("A", "1"), order("B", "2")], shaSeed: 2, minute: 1)
            // An interval no recording wrote: the intervals now say more than the totals.
            try await fixture.executeBehindTheLedger("""
                INSERT INTO order_interval (series_id, order_no, currency, amount_text, first_snapshot_id)
                SELECT series_id, 'Z', 'USD', '0.01', id FROM snapshot WHERE id = \(second.id.rawValue)
                """)
            let recorded = Total(count: 2, sum: amount("3")), listed = Total(count: 3, sum: amount("3.01"))
            await #expect(throws: AuditError.ordersDisagreeWithTotals(snapshot: second.id, currency: "USD",
                                                                      recorded: recorded, listed: listed)) {
                try await fixture.ledger.auditOrders(at: second.id, ageAt: nil) { _ in }
            }
            await #expect(throws: AuditError.agingDisagreesWithTotals(snapshot: second.id, currency: "USD",
                                                                      recorded: recorded, bucketed: listed)) {
                try await fixture.ledger.aging(organizationID: nil, job: nil, asOf: second.fetchedAt, buckets: .standard)
            }
            await #expect(throws: AuditError.rollForwardDoesNotBalance(
                job: "monthly", organizationID: 42, currency: "USD", opening: Total(count: 1, sum: amount("1")),
                new: Total(count: 2, sum: amount("2.01")), gone: Total(), amountChanges: Total(), closing: recorded)) {
                try await fixture.ledger.rollForward(organizationID: 42, job: nil, from: first.fetchedAt,
                                                     to: second.fetchedAt, detail: false)
            }
            #expect(try await orders(at: first.id, in: fixture).count == 1, "the earlier snapshot is still consistent")
        }
    }
}

/// A literal amount of the tests.
func amount(_ text: String) -> Money { try! Money(text) }
