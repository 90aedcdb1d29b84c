import Foundation
import Testing
import UnpaidCore
@testable import SQLiteLedger
import Ledger
import LedgerTestSupport
import SeededRandomness

@Suite struct AuditQueryTests {
    func orders(at id: SnapshotID, in fixture: SQLiteFixture, ageAt: Date? = nil) throws -> [AuditOrder] {
        var listed: [AuditOrder] = []
        try fixture.ledger.auditOrders(at: id, ageAt: ageAt) { listed.append($0) }
        return listed
    }

    @Test func ordersOfEachSnapshotAreWhatWasRecordedWithWhereTheyWereFirstSeen() async throws {
        let fixture = try SQLiteFixture()
        let first = try fixture.record([order("A", "1.10"), order("B", "2.205", currency: "CNY"), order("C", "3")],
                                       shaSeed: 1, minute: 0)
        let second = try fixture.record([order("A", "1.20"), order("C", "3"), order("D", "4")], shaSeed: 2, minute: 60)
        let third = try fixture.record([order("A", "1.20"), order("B", "2.205", currency: "CNY"), order("D", "4")],
                                       shaSeed: 3, minute: 120)

        let atFirst = try orders(at: first.id, in: fixture)
        #expect(atFirst.map(\.order) == [order("A", "1.10"), order("B", "2.205", currency: "CNY"), order("C", "3")])
        #expect(atFirst.allSatisfy { $0.firstSeenSnapshotID == first.id && $0.snapshotID == first.id && $0.job == "monthly" })
        let atThird = try orders(at: third.id, in: fixture)
        #expect(atThird.map(\.order.orderNo) == ["A", "B", "D"])
        #expect(atThird.map(\.order.totalPrice.description) == ["1.20", "2.205", "4"])
        // A changed amount and a return after a gap keep the first sighting.
        #expect(atThird.map(\.firstSeenSnapshotID) == [first.id, first.id, second.id])
        #expect(atThird.map(\.firstSeenAt) == [first.fetchedAt, first.fetchedAt, second.fetchedAt])
        // Ages count whole days from the billing start (1_791_000_000) to the moment asked.
        let moment = Date(timeIntervalSince1970: 1_791_000_000 + 3 * 86_400 - 1)
        #expect(try orders(at: third.id, in: fixture, ageAt: moment).map(\.ageDays) == [2, 2, 2])
        #expect(throws: LedgerError.unknownSnapshot(SnapshotID(rawValue: 99))) {
            try fixture.ledger.auditOrders(at: SnapshotID(rawValue: 99)) { _ in }
        }
    }

    /// Random histories of order numbers that sort in byte order, not by length or
    /// case (`A` < `A0` < `AB` < `a` < `订`): each snapshot's listing is its recorded set,
    /// by order number, and each order's first sighting is the earliest snapshot whose
    /// set held it, as a replay of the sets says. Older snapshots and the latest one are
    /// read by different queries; both are checked.
    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func listingsAndFirstSightingsMatchAReplayOfTheSets(seed: UInt64) throws {
        let fixture = try SQLiteFixture()
        var random = SplitMix64(seed: seed)
        let numbers = ["A", "A0", "AB", "A\u{7f}", "B", "a", "订", "订单1", "Z9", "Z10", "0", "00"]
        var sets: [(record: SnapshotRecord, orders: [String: UnpaidOrder])] = []
        for step in 0..<10 {
            var current: [String: UnpaidOrder] = [:]
            for number in numbers where random.next() % 3 != 0 {
                current[number] = order(number, "\(random.next() % 4).5")
            }
            let record = try fixture.record(Array(current.values), shaSeed: step + 1, minute: step)
            sets.append((record, current))
        }
        for (index, snapshot) in sets.enumerated() {
            let listed = try orders(at: snapshot.record.id, in: fixture)
            let expected = snapshot.orders.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            #expect(listed.map(\.order.orderNo) == expected, "snapshot \(index)")
            #expect(listed.map(\.order) == expected.map { snapshot.orders[$0]! })
            let earliest = expected.map { number in
                sets.prefix(index + 1).first { $0.orders[number] != nil }!.record.id
            }
            #expect(listed.map(\.firstSeenSnapshotID) == earliest, "snapshot \(index)")
        }
    }

    @Test func asOfTakesEachSeriesLatestSnapshotAtOrBeforeTheDate() async throws {
        let fixture = try SQLiteFixture()
        let early = try fixture.record([order("A", "1")], shaSeed: 1, minute: 0)
        let other = try fixture.record([order("X", "9", organizationID: 43)], organizationID: 43, shaSeed: 2, minute: 5)
        let daily = try fixture.record([order("A", "1")], job: "daily", shaSeed: 3, minute: 10)
        let late = try fixture.record([order("A", "2")], shaSeed: 4, minute: 20)
        let at = { (minute: Double) in SQLiteFixture.base.addingTimeInterval(minute * 60) }

        #expect(try fixture.ledger.snapshots(asOf: at(-1)).isEmpty)
        #expect(try fixture.ledger.snapshots(asOf: at(10)).map(\.id) == [daily.id, early.id, other.id])
        #expect(try fixture.ledger.snapshots(asOf: at(30), organizationID: 42).map(\.id) == [daily.id, late.id])
        #expect(try fixture.ledger.snapshots(asOf: at(19), organizationID: 42, job: "monthly").map(\.id) == [early.id])
    }

    @Test func anOrdersTimelineShowsFirstSightingChangesGapsAndItsEnd() async throws {
        let fixture = try SQLiteFixture()
        let s1 = try fixture.record([order("A", "1.10")], shaSeed: 1, minute: 0)
        let s2 = try fixture.record([order("A", "1.20")], shaSeed: 2, minute: 1)
        let s3 = try fixture.record([order("A", "1.20", currency: "CNY")], shaSeed: 3, minute: 2)
        let s4 = try fixture.record([], shaSeed: 4, minute: 3)
        let s5 = try fixture.record([order("A", "5")], shaSeed: 5, minute: 4)
        let daily = try fixture.record([order("A", "1.10")], job: "daily", shaSeed: 6, minute: 5)
        _ = try fixture.record([], job: "daily", shaSeed: 7, minute: 6)
        let dailyGone = try fixture.ledger.latestSnapshot(job: "daily", organizationID: 42)!

        let timelines = try fixture.ledger.orderTimelines(orderNo: "A")
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
        #expect(throws: AuditError.unknownOrder(orderNo: "nope")) { try fixture.ledger.orderTimelines(orderNo: "nope") }
    }

    @Test func agingBucketsAddUpToTheRecordedTotal() async throws {
        let fixture = try SQLiteFixture()
        let asOf: Int64 = 1_800_000_000
        func aged(_ number: String, _ amount: String, days: Int64?, currency: String = "USD") -> UnpaidOrder {
            var made = order(number, amount, currency: currency)
            made.startTime = days.map { asOf - $0 * 86_400 }
            return made
        }
        let snapshot = try fixture.record([
            aged("A", "1", days: 0), aged("B", "2", days: 30), aged("C", "4", days: 31), aged("D", "8", days: 90),
            aged("E", "16", days: 91), aged("F", "32", days: -1), aged("G", "64", days: nil), aged("H", "0.5", days: 5, currency: "CNY"),
        ], shaSeed: 1, minute: 0)
        let lines = try fixture.ledger.aging(asOf: Date(timeIntervalSince1970: TimeInterval(asOf)),
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

    @Test func recordedChangesListTheOrdersBehindEachChange() async throws {
        let fixture = try SQLiteFixture()
        func record(_ orders: [UnpaidOrder], seed: Int, minute: Int) throws -> SnapshotRecord {
            let at = SQLiteFixture.base.addingTimeInterval(Double(minute) * 60)
            let run = try fixture.ledger.startRun(job: "monthly", startedAt: at)
            let recorded = try fixture.ledger.recordSnapshot(fixture.snapshot(run: run, shaSeed: seed, at: at), orders: orders) {
                .nothing(at: $0.snapshot.id.rawValue)
            }
            try fixture.ledger.finishRun(run, status: .succeeded, error: nil, finishedAt: at)
            return recorded.record
        }
        let first = try record([order("A", "1"), order("B", "2")], seed: 1, minute: 0)
        let second = try record([order("A", "1.5"), order("C", "3")], seed: 2, minute: 1)
        var changes: [RecordedChange] = []
        try fixture.ledger.recordedChanges { changes.append($0) }
        #expect(changes.count == 1)
        let change = try #require(changes.first)
        #expect(change.snapshotID == second.id && change.previousSnapshotID == first.id && change.currency == "USD")
        #expect(change.before == Total(count: 2, sum: amount("3")) && change.after == Total(count: 2, sum: amount("4.5")))
        #expect(change.delta == amount("1.5"))
        #expect(change.orders.map(\.orderNo) == ["A", "B", "C"])
        #expect(change.orders.map(\.kind) == [.changed, .gone, .new])
        var none = 0
        try fixture.ledger.recordedChanges(organizationID: 43) { _ in none += 1 }
        try fixture.ledger.recordedChanges(since: second.fetchedAt.addingTimeInterval(1)) { _ in none += 1 }
        #expect(none == 0)
    }

    @Test func aLedgerThatDisagreesWithItselfIsAnErrorNotAnAnswer() async throws {
        let fixture = try SQLiteFixture()
        let first = try fixture.record([order("A", "1")], shaSeed: 1, minute: 0)
        let second = try fixture.record([order("A", "1"), order("B", "2")], shaSeed: 2, minute: 1)
        // An interval no recording wrote: the intervals now say more than the totals.
        try await fixture.ledger.pool.write { db in
            try db.execute(sql: """
                INSERT INTO order_interval (series_id, order_no, currency, amount_text, first_snapshot_id)
                SELECT series_id, 'Z', 'USD', '0.01', id FROM snapshot WHERE id = ?
                """, arguments: [second.id.rawValue])
        }
        let recorded = Total(count: 2, sum: amount("3")), listed = Total(count: 3, sum: amount("3.01"))
        #expect(throws: AuditError.ordersDisagreeWithTotals(snapshot: second.id, currency: "USD", recorded: recorded,
                                                            listed: listed)) {
            try fixture.ledger.auditOrders(at: second.id) { _ in }
        }
        #expect(throws: AuditError.agingDisagreesWithTotals(snapshot: second.id, currency: "USD", recorded: recorded,
                                                            bucketed: listed)) {
            try fixture.ledger.aging(asOf: second.fetchedAt)
        }
        #expect(throws: AuditError.rollForwardDoesNotBalance(
            job: "monthly", organizationID: 42, currency: "USD", opening: Total(count: 1, sum: amount("1")),
            new: Total(count: 2, sum: amount("2.01")), gone: Total(), amountChanges: Total(), closing: recorded)) {
            try fixture.ledger.rollForward(organizationID: 42, from: first.fetchedAt, to: second.fetchedAt)
        }
        #expect(try orders(at: first.id, in: fixture).count == 1, "the earlier snapshot is still consistent")
    }
}

/// A literal amount of the tests.
func amount(_ text: String) -> Money { try! Money(text) }
