import Foundation
import Ledger
import LedgerTestSupport
import Testing
import UnpaidCore

/// The period audits (roll-forward, overviews, recorded changes, order timelines) answer
/// on PostgreSQL exactly what SQLite answers on the same history, errors included.
@Suite struct AuditPeriodTwinTests {
    static let series: [(Int64, String?)] = [
        (42, "monthly"), (42, "daily"), (43, nil), (42, nil), (43, "daily"), (99, nil), (42, "month\u{0}ly"),
    ]

    @Test(arguments: AuditTwinHistory.allCases)
    func rollForwardMatchesSQLiteOverEveryPeriod(history: AuditTwinHistory) async throws {
        let (sqlite, postgres) = try await LedgerFixture.onBoth { fixture in
            let moments = history.moments(of: try await history.record(on: fixture.ledger))
            var answers: [AuditTwinOutcome<RollForward>] = []
            for (organizationID, job) in Self.series {
                for (fromIndex, from) in moments.enumerated() {
                    // Every period, one reversed one, and the detail on every other.
                    for to in moments[fromIndex...] + [from.addingTimeInterval(-1)] {
                        answers.append(await AuditTwinOutcome.of {
                            try await fixture.ledger.rollForward(organizationID: organizationID, job: job, from: from,
                                                                 to: to, detail: fromIndex % 2 == 0)
                        })
                    }
                }
            }
            return answers
        }
        expectAlike(postgres, sqlite)
    }

    /// Across the edge history's paid, returning, re-priced and re-currencied orders, the
    /// roll-forward moves what the intervals say and balances.
    @Test(arguments: LedgerBackend.allCases)
    func aRollForwardAcrossMovedOrdersBalances(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            _ = try await AuditEdgeHistory.record(on: fixture.ledger)
            let result = try await fixture.ledger.rollForward(
                organizationID: 42, job: "monthly", from: AuditEdgeHistory.start,
                to: AuditEdgeHistory.start.addingTimeInterval(86_400), detail: true)
            let usd = try #require(result.lines.first { $0.currency == "USD" })
            let halfMore = Total(count: 1, sum: try Money("0.5"))
            #expect(usd.gone.count == 1 && usd.new.count == 2 && usd.amountChanges == halfMore)
            #expect(usd.detail?.map(\.orderNo) == ["O1", "O2", "O3", "O5"])
            let cny = try #require(result.lines.first { $0.currency == "CNY" })
            let nothing = Total()
            #expect(cny.gone.count == 2 && cny.closing == nothing)
            #expect(result.lines.allSatisfy { $0.balances })
        }
    }

    @Test(arguments: AuditTwinHistory.allCases)
    func overviewsMatchSQLite(history: AuditTwinHistory) async throws {
        let (sqlite, postgres) = try await LedgerFixture.onBoth { fixture in
            let moments = history.moments(of: try await history.record(on: fixture.ledger))
            let picked = [moments[0], moments[1], moments[moments.count / 2], moments[moments.count - 2], moments.last!]
            var answers: [AuditTwinOutcome<[SeriesOverview]>] = []
            for organizationID in [nil, 42, 43] as [Int64?] {
                for since in picked {
                    for asOf in picked {
                        for (buckets, largest) in [(AgingBuckets.standard, 10), (try AgingBuckets([0, 1, 30]), 0)] {
                            answers.append(await AuditTwinOutcome.of {
                                try await fixture.ledger.overviews(organizationID: organizationID, since: since,
                                                                   asOf: asOf, buckets: buckets, largest: largest)
                            })
                        }
                    }
                }
            }
            return answers
        }
        expectAlike(postgres, sqlite)
    }

    @Test(arguments: AuditTwinHistory.allCases)
    func recordedChangesMatchSQLiteForEveryFilter(history: AuditTwinHistory) async throws {
        let filters: [(Int64?, String?)] = [(nil, nil), (42, nil), (42, "monthly"), (nil, "daily"), (43, nil), (99, nil),
                                            (nil, "dai\u{0}ly")]
        let (sqlite, postgres) = try await LedgerFixture.onBoth { fixture in
            let moments = history.moments(of: try await history.record(on: fixture.ledger))
            let bounds: [(Date?, Date?)] = [(nil, nil), (moments[2], nil), (nil, moments[5]), (moments[3], moments[9]),
                                            (moments[4], moments[4])]
            var answers: [AuditTwinOutcome<[RecordedChange]>] = []
            for (organizationID, job) in filters {
                for (since, until) in bounds {
                    answers.append(await AuditTwinOutcome.of {
                        var changes: [RecordedChange] = []
                        try await fixture.ledger.recordedChanges(organizationID: organizationID, job: job, since: since,
                                                                 until: until) { changes.append($0) }
                        return changes
                    })
                }
            }
            return answers
        }
        expectAlike(postgres, sqlite)
        // The first answer is the unfiltered one.
        guard case .value(let all) = sqlite.first else {
            Issue.record("the unfiltered recorded changes: \(String(describing: sqlite.first))")
            return
        }
        #expect(!all.isEmpty && all.contains { !$0.orders.isEmpty })
    }

    @Test(arguments: AuditTwinHistory.allCases)
    func orderTimelinesMatchSQLiteForEveryNumber(history: AuditTwinHistory) async throws {
        let numbers = QueryHistory.numbers + ["O3", "O4", "O5", "O60", "O61", "Ö3", "missing", ""]
        let (sqlite, postgres) = try await LedgerFixture.onBoth { fixture in
            _ = try await history.record(on: fixture.ledger)
            var answers: [AuditTwinOutcome<[OrderTimeline]>] = []
            for number in numbers {
                answers.append(await AuditTwinOutcome.of { try await fixture.ledger.orderTimelines(orderNo: number) })
            }
            return answers
        }
        expectAlike(postgres, sqlite)
    }

    /// O1 in the edge history: in two series, paid and back in one, still unpaid in both.
    @Test(arguments: LedgerBackend.allCases)
    func anOrderPaidAndBackTellsItsStoryInEverySeries(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let recorded = try await AuditEdgeHistory.record(on: fixture.ledger)
            let timelines = try await fixture.ledger.orderTimelines(orderNo: "O1")
            #expect(timelines.map { "\($0.organizationID) \($0.job)" } == ["42 daily", "42 monthly", "43 monthly"])
            let monthly = timelines[1]
            #expect(monthly.events.map(\.kind) == [.firstSeen, .gone, .reappeared])
            #expect(monthly.stillUnpaidAt == recorded.snapshots.last { $0.job == "monthly" && $0.organizationID == 42 }?.id)
        }
    }

    /// PostgreSQL text cannot hold a NUL, so no order number has one. (SQLite, through GRDB,
    /// cuts a bound text at the NUL and would show O1's story.)
    @Test func onPostgresAnOrderNumberWithANulIsUnknown() async throws {
        try await LedgerFixture.with(.postgres) { fixture in
            _ = try await AuditEdgeHistory.record(on: fixture.ledger)
            await #expect(throws: AuditError.unknownOrder(orderNo: "O1\u{0}")) {
                try await fixture.ledger.orderTimelines(orderNo: "O1\u{0}")
            }
        }
    }
}
