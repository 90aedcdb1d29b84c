import Foundation
import Testing
import UnpaidCore
import Ledger
import LedgerTestSupport
import SeededRandomness

@Suite struct RollForwardTests {
    @Test(arguments: LedgerBackend.allCases)
    func movementsBetweenTwoSnapshotsAreSplitByCurrencyWithTheirOrders(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let opening = try await fixture.record([order("A", "1"), order("B", "2"), order("C", "3"), order("D", "4", currency: "CNY")],
                                             shaSeed: 1, minute: 0)
            _ = try await fixture.record([order("A", "1"), order("E", "9")], shaSeed: 2, minute: 1)  // E comes and goes between
            let closing = try await fixture.record([order("A", "1"), order("B", "2.50"), order("D", "4", currency: "USD"),
                                              order("F", "6")], shaSeed: 3, minute: 2)
            let result = try await fixture.ledger.rollForward(organizationID: 42, job: nil, from: opening.fetchedAt, to: closing.fetchedAt.addingTimeInterval(30), detail: true)
            #expect(result.opening?.id == opening.id && result.closing.id == closing.id)
            #expect(result.lines.map(\.currency) == ["CNY", "USD"])
            let cny = result.lines[0], usd = result.lines[1]
            #expect(cny.opening == Total(count: 1, sum: amount("4")) && cny.gone == Total(count: 1, sum: amount("4")))
            #expect(cny.closing == Total())
            #expect(usd.opening == Total(count: 3, sum: amount("6")))
            #expect(usd.new == Total(count: 2, sum: amount("10")))  // F, and D in its new currency
            #expect(usd.gone == Total(count: 1, sum: amount("3")))  // C
            #expect(usd.amountChanges == Total(count: 1, sum: amount("0.5")))  // B
            #expect(usd.closing == Total(count: 4, sum: amount("13.5")))
            #expect(usd.detail?.map(\.orderNo) == ["B", "C", "D", "F"])
            #expect(usd.detail?.map(\.movement) == [.amountChange, .gone, .new, .new])
            #expect(result.lines.allSatisfy { $0.balances })
        }
    }

    @Test(arguments: LedgerBackend.allCases)
    func theSeriesAndPeriodMustMakeSense(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let only = try await fixture.record([order("A", "1")], shaSeed: 1, minute: 0)
            _ = try await fixture.record([order("A", "1")], job: "daily", shaSeed: 2, minute: 1)
            let at = only.fetchedAt
            await #expect(throws: AuditError.ambiguousSeries(organizationID: 42, jobs: ["daily", "monthly"])) {
                try await fixture.ledger.rollForward(organizationID: 42, job: nil, from: at, to: at, detail: false)
            }
            await #expect(throws: AuditError.noSeries(organizationID: 7, job: nil)) {
                try await fixture.ledger.rollForward(organizationID: 7, job: nil, from: at, to: at, detail: false)
            }
            await #expect(throws: AuditError.reversedPeriod(from: at, to: at.addingTimeInterval(-1))) {
                try await fixture.ledger.rollForward(organizationID: 42, job: "monthly", from: at, to: at.addingTimeInterval(-1), detail: false)
            }
            await #expect(throws: AuditError.noSnapshotYet(job: "monthly", organizationID: 42, atOrBefore: at.addingTimeInterval(-1))) {
                try await fixture.ledger.rollForward(organizationID: 42, job: "monthly", from: at.addingTimeInterval(-9), to: at.addingTimeInterval(-1), detail: false)
            }
            // Before the first snapshot everything opens at zero.
            let fromNothing = try await fixture.ledger.rollForward(organizationID: 42, job: "monthly", from: at.addingTimeInterval(-9), to: at, detail: false)
            #expect(fromNothing.opening == nil && fromNothing.lines.map(\.new) == [Total(count: 1, sum: amount("1"))])
        }
    }

    /// Times are shown and typed to the second: `--to 10:01:00` must close at the snapshot
    /// listed as fetched at 10:01:00, fetched at 10:01:00.456, in every query taking such a bound.
    @Test(arguments: LedgerBackend.allCases)
    func atOrBeforeTakesTheWholeSecondItNames(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let opening = try await fixture.record([order("A", "1")], shaSeed: 1, minute: 0)
            let shown = LedgerFixture.base.addingTimeInterval(60)
            let run = try await fixture.ledger.startRun(job: "monthly", startedAt: shown)
            let closing = try await fixture.ledger.recordSnapshot(
                fixture.snapshot(run: run, shaSeed: 2, at: shown.addingTimeInterval(0.456)),
                orders: [order("A", "1"), order("B", "2")])
            try await fixture.ledger.finishRun(run, status: .succeeded, error: nil, finishedAt: shown.addingTimeInterval(1))

            let rollForward = try await fixture.ledger.rollForward(organizationID: 42, job: nil, from: opening.fetchedAt, to: shown, detail: false)
            #expect(rollForward.closing.id == closing.id)
            #expect(rollForward.lines.map(\.new) == [Total(count: 1, sum: amount("2"))])
            #expect(try await fixture.ledger.snapshots(asOf: shown, organizationID: nil, job: nil).map(\.id) == [closing.id])
            #expect(try await fixture.ledger.aging(organizationID: nil, job: nil, asOf: shown, buckets: .standard).map(\.snapshotID) == [closing.id])
            let overview = try #require(try await fixture.ledger.overviews(organizationID: nil, since: opening.fetchedAt, asOf: shown, buckets: .standard, largest: 10).first)
            #expect(overview.history.last?.snapshotID == closing.id && overview.rollForward.closing.id == closing.id)
            // The second before is still before it.
            #expect(try await fixture.ledger.snapshots(asOf: shown.addingTimeInterval(-0.001), organizationID: nil, job: nil).map(\.id) == [opening.id])
        }
    }

    /// Random histories: orders arrive, leave, come back, change amount (also to the same
    /// value written otherwise) or currency, files repeat byte for byte. Every pair of
    /// snapshots must roll forward exactly as the sets recorded say.
    @Test(arguments: LedgerBackend.allCases, [1, 2, 3, 4, 5, 6] as [UInt64])
    func rollForwardMatchesTheRecordedSetsOnRandomHistories(_ backend: LedgerBackend, seed: UInt64) async throws {
        try await LedgerFixture.with(backend) { fixture in
            var random = SplitMix64(seed: seed)
            var current: [String: UnpaidOrder] = [:]
            var history: [(record: SnapshotRecord, orders: [String: UnpaidOrder])] = []
            let currencies = ["USD", "CNY", "EUR"]
            var fileSeed = 1000
            for step in 0..<14 {
                // The same file again (same bytes, same totals) records no order rows.
                let repeatFile = step > 0 && random.next() % 6 == 0
                if !repeatFile {
                    fileSeed += 1
                    // Sorted: a dictionary's order differs between processes, the seed must replay.
                    for number in current.keys.sorted() where random.next() % 5 == 0 { current[number] = nil }
                    for number in current.keys.sorted() where random.next() % 6 == 0 {
                        var existing = current[number]!
                        switch random.next() % 3 {
                        case 0: existing.totalPrice = Money(units: Int128(random.next() % 100_000), scale: 2)
                        case 1: existing.currency = currencies[Int(random.next() % 3)]
                        default:  // the same value written with one more decimal
                            existing.totalPrice = Money(units: existing.totalPrice.units * 10, scale: existing.totalPrice.scale + 1)
                        }
                        current[number] = existing
                    }
                    for _ in 0..<Int(random.next() % 12) {
                        let number = "O\(random.next() % 60)"
                        current[number] = order(number, Money(units: Int128(random.next() % 100_000), scale: 2).description,
                                                currency: currencies[Int(random.next() % 3)])
                    }
                }
                let record = try await fixture.record(Array(current.values), shaSeed: fileSeed, minute: step)
                history.append((record, current))
            }
            for from in history.indices {
                for to in from..<history.count {
                    let result = try await fixture.ledger.rollForward(organizationID: 42, job: nil, from: history[from].record.fetchedAt, to: history[to].record.fetchedAt, detail: true)
                    let expected = Self.expectedMovements(from: history[from].orders, to: history[to].orders)
                    #expect(result.opening?.id == history[from].record.id && result.closing.id == history[to].record.id)
                    for line in result.lines {
                        #expect(line.balances)
                        #expect(line.new == expected.new[line.currency] ?? Total(), "seed \(seed) \(from)->\(to) \(line.currency)")
                        #expect(line.gone == expected.gone[line.currency] ?? Total())
                        #expect(line.amountChanges == expected.changes[line.currency] ?? Total())
                    }
                    #expect(Set(result.lines.map(\.currency)).isSuperset(of: expected.new.keys))
                }
            }
        }
    }

    /// The movements computed from the two sets alone, not from intervals.
    static func expectedMovements(from opening: [String: UnpaidOrder], to closing: [String: UnpaidOrder])
        -> (new: [String: Total], gone: [String: Total], changes: [String: Total]) {
        var new: [String: Total] = [:], gone: [String: Total] = [:], changes: [String: Total] = [:]
        for (number, after) in closing {
            guard let before = opening[number], before.currency == after.currency else {
                new[after.currency, default: Total()].add(after.totalPrice)
                continue
            }
            if before.totalPrice != after.totalPrice {
                changes[after.currency, default: Total()].add(after.totalPrice - before.totalPrice)
            }
        }
        for (number, before) in opening where closing[number]?.currency != before.currency {
            gone[before.currency, default: Total()].add(before.totalPrice)
        }
        return (new, gone, changes)
    }
}

