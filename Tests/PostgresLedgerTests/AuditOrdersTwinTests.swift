import Foundation
import Ledger
import LedgerTestSupport
import Testing
import UnpaidCore

/// The listing audits answer on PostgreSQL exactly what SQLite answers on the same history:
/// the same orders in the same (byte) order, first seen at the same snapshot, the same ages,
/// largest orders and aging lines, the same errors.
@Suite struct AuditOrdersTwinTests {
    @Test(arguments: AuditTwinHistory.allCases)
    func auditOrdersMatchSQLiteAtEveryAge(history: AuditTwinHistory) async throws {
        let (sqlite, postgres) = try await LedgerFixture.onBoth { fixture in
            let ledger = fixture.ledger
            let recorded = try await history.record(on: ledger)
            let ages: [Date?] = [nil] + history.moments(of: recorded)
            var listings: [AuditTwinOutcome<Listing>] = []
            for id in recorded.snapshots.map(\.id) + [SnapshotID(rawValue: 9_999)] {
                for age in ages {
                    let listing = await AuditTwinOutcome.of { try await Self.listing(id, ageAt: age, from: ledger) }
                    #expect(await AuditTwinOutcome.of { try await Self.rowListing(id, ageAt: age, from: ledger) } == listing,
                            "\(fixture.backend): the row form lists what the order form lists")
                    listings.append(listing)
                }
            }
            return listings
        }
        expectAlike(postgres, sqlite)
    }

    @Test(arguments: AuditTwinHistory.allCases)
    func largestOrdersMatchSQLiteForEveryLimit(history: AuditTwinHistory) async throws {
        let (sqlite, postgres) = try await LedgerFixture.onBoth { fixture in
            let recorded = try await history.record(on: fixture.ledger)
            var answers: [AuditTwinOutcome<[String: [UnpaidOrder]]>] = []
            for id in recorded.snapshots.map(\.id) + [SnapshotID(rawValue: 9_999)] {
                for limit in [0, 1, 2, 3, 100] {
                    answers.append(await AuditTwinOutcome.of { try await fixture.ledger.largestOrders(at: id, limit: limit) })
                }
            }
            return answers
        }
        expectAlike(postgres, sqlite)
    }

    @Test(arguments: AuditTwinHistory.allCases)
    func agingMatchesSQLiteAcrossBucketLimits(history: AuditTwinHistory) async throws {
        let bucketings = [AgingBuckets.standard, try AgingBuckets([0, 1, 30]), try AgingBuckets([29, 30, 31, 60, 61, 90, 91])]
        let (sqlite, postgres) = try await LedgerFixture.onBoth { fixture in
            let recorded = try await history.record(on: fixture.ledger)
            var answers: [AuditTwinOutcome<[AgingLine]>] = []
            for asOf in history.moments(of: recorded) {
                for buckets in bucketings {
                    for (organizationID, job) in Self.filters {
                        answers.append(await AuditTwinOutcome.of {
                            try await fixture.ledger.aging(organizationID: organizationID, job: job, asOf: asOf,
                                                           buckets: buckets)
                        })
                    }
                }
            }
            return answers
        }
        expectAlike(postgres, sqlite)
    }

    /// The edge history's ages fall where the bucket limits say.
    @Test(arguments: LedgerBackend.allCases)
    func agesOnTheBucketLimitsFallInTheLowerBucket(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let first = try await AuditEdgeHistory.record(on: fixture.ledger).snapshots[0]
            let lines = try await fixture.ledger.aging(organizationID: 42, job: "monthly", asOf: first.fetchedAt,
                                                       buckets: .standard)
            let usd = try #require(lines.first { $0.currency == "USD" })
            // 0–30: O2 (30 days); 31–60: O1 (31), O60 (60); 61–90: O61 (61), o1 (90 days and a second); over 90: Ö3.
            #expect(usd.buckets.map(\.count) == [1, 2, 2, 1])
            let sums = try ["5.5", "70", "61.01", "2"].map { try Money($0) }
            #expect(usd.buckets.map(\.sum) == sums)
            let eur = try #require(lines.first { $0.currency == "EUR" })
            let one = Total(count: 1, sum: try Money("1"))
            #expect(eur.notYetStarted == one)
            let cny = try #require(lines.first { $0.currency == "CNY" })
            let credit = Total(count: 1, sum: try Money("-3"))
            #expect(cny.noStartTime.count == 1 && cny.buckets[0] == credit)
            #expect(lines.allSatisfy { $0.bucketedTotal == $0.total })
            let listed = try await Self.listing(first.id, ageAt: nil, from: fixture.ledger).orders
            #expect(listed.map(\.order.orderNo) == ["O1", "O2", "O3", "O4", "O60", "O61", "o1", "Ö3", "订单-7"])
            #expect(listed.first { $0.order.orderNo == "订单-7" }?.ageDays == 0)
            #expect(listed.first { $0.order.orderNo == "O4" }?.ageDays == -1)
        }
    }

    /// An order paid and listed again was first seen at its first listing, not its return.
    @Test func aReturningOrderWasFirstSeenAtItsFirstListing() async throws {
        let (sqlite, postgres) = try await LedgerFixture.onBoth { fixture in
            let recorded = try await AuditEdgeHistory.record(on: fixture.ledger)
            let last = try #require(recorded.snapshots.last { $0.job == "monthly" && $0.organizationID == 42 })
            let listing = try await Self.listing(last.id, ageAt: nil, from: fixture.ledger)
            let returned = try #require(listing.orders.first { $0.order.orderNo == "O1" })
            #expect(returned.firstSeenSnapshotID == recorded.snapshots[0].id
                    && returned.firstSeenAt == recorded.snapshots[0].fetchedAt, "\(fixture.backend)")
            return listing
        }
        #expect(postgres == sqlite)
    }

    /// What the body throws ends the listing, rolls the read back and leaves the ledger usable.
    @Test(arguments: LedgerBackend.allCases)
    func anErrorFromTheBodyStopsTheStreamAndTheLedgerGoesOn(_ backend: LedgerBackend) async throws {
        struct Enough: Error, Equatable {}
        try await LedgerFixture.with(backend) { fixture in
            let first = try await AuditEdgeHistory.record(on: fixture.ledger).snapshots[0]
            for _ in 0..<3 {
                var seen = 0
                await #expect(throws: Enough()) {
                    try await fixture.ledger.auditOrderRows(at: first.id, ageAt: nil) { _ in
                        seen += 1
                        if seen == 2 { throw Enough() }
                    }
                }
                #expect(seen == 2)
            }
            #expect(try await Self.listing(first.id, ageAt: nil, from: fixture.ledger).orders.count == 9)
        }
    }

    static let filters: [(Int64?, String?)] = [
        (nil, nil), (42, nil), (42, "monthly"), (42, "daily"), (43, nil), (nil, "daily"), (99, nil), (42, "month\u{0}ly"),
    ]

    static func listing(_ id: SnapshotID, ageAt: Date?, from ledger: any Ledger) async throws -> Listing {
        var orders: [AuditOrder] = []
        let record = try await ledger.auditOrders(at: id, ageAt: ageAt) { orders.append($0) }
        return Listing(record: record, orders: orders)
    }

    static func rowListing(_ id: SnapshotID, ageAt: Date?, from ledger: any Ledger) async throws -> Listing {
        var orders: [AuditOrder] = []
        let record = try await ledger.auditOrderRows(at: id, ageAt: ageAt) { orders.append($0.listed) }
        return Listing(record: record, orders: orders)
    }

    struct Listing: Equatable {
        var record: SnapshotRecord
        var orders: [AuditOrder]
    }
}
