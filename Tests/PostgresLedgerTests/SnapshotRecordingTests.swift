import Foundation
import Ledger
import LedgerTestSupport
import OrderSpill
import SeededRandomness
import Testing
import UnpaidCore
@testable import PostgresLedger

/// `recordSnapshot` on PostgreSQL writes what SQLite writes for the same inputs: the same
/// rows, the same change, the same chain link.
@Suite struct SnapshotRecordingTests {
    /// Texts COPY's format gives a meaning to (tab, newline, backslash), UTF-8, NULLs, and
    /// amounts of every scale.
    static let awkward = [
        order("B\t2", "1000000000000.000001"), order("A\\1", "-0.50", resource: "line\nbreak\r"),
        order("é-3", "7", currency: "CNY", product: nil, startTime: nil), order("A", "0.10"),
    ]

    @Test(arguments: LedgerBackend.allCases)
    func aFirstSnapshotOpensEveryOrderWithExactTotals(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let ledger = fixture.ledger
            let record = try await fixture.record(Self.awkward, shaSeed: 1, minute: 0)
            #expect(record.rowCount == 4)
            #expect(record.totals == ["USD": Total(count: 3, sum: try Money("999999999999.600001")),
                                      "CNY": Total(count: 1, sum: try Money("7"))])
            #expect(try await ledger.counts() == LedgerCounts(runs: 1, snapshots: 1, snapshotTotals: 2,
                                                              orderIntervals: 4, openOrderIntervals: 4))
            #expect(try await ledger.orders(at: record.id) == Self.awkward.byOrderNo)
            #expect(try await ledger.latestSnapshot(job: "monthly", organizationID: 42) == record)
            #expect(try await ledger.chainHead()?.snapshotID == record.id.rawValue)
            #expect(try await ledger.changes(in: record.id) == nil, "recorded without alerting")
        }
    }

    /// New, gone and changed orders, a new currency, the same value in other text, other
    /// fields, the very same file again and an empty file: the same rows and chain on both.
    @Test func bothBackendsRecordTheSameHistoryAndChain() async throws {
        let generations: [[UnpaidOrder]] = [
            Self.awkward,
            [order("A", "0.1"), order("B\t2", "1000000000000.000002"), order("C", "5", currency: "EUR"),
             order("é-3", "7", currency: "USD", product: nil, startTime: nil), order("D", "3", product: "udisk")],
            [order("A", "0.1"), order("B\t2", "1000000000000.000002"), order("C", "5", currency: "EUR"),
             order("é-3", "7", currency: "USD", product: nil, startTime: nil), order("D", "3", product: "udisk")],
            [],
            [order("A", "0.1")],
        ]
        let shaSeeds = [1, 2, 2, 3, 4]
        let (sqlite, postgres) = try await LedgerFixture.onBoth { fixture in
            let ledger = fixture.ledger
            var recorded: [AlertedSnapshot] = []
            var changeRows: [[ChangeRow]] = []
            for (index, orders) in generations.enumerated() {
                let snapshot = try await fixture.recordAlerting(orders, shaSeed: shaSeeds[index], minute: index * 10)
                recorded.append(snapshot)
                changeRows.append(try await ledger.changeRows(in: snapshot.record.id))
                #expect(try await ledger.orders(at: snapshot.record.id) == orders.byOrderNo)
            }
            return Observed(records: recorded.map(\.record), diffs: recorded.map(\.diff), changeRows: changeRows,
                            rows: try await StoredRows.of(fixture), head: try await ledger.chainHead(),
                            counts: try await ledger.counts())
        }
        #expect(postgres == sqlite)
        let second = try #require(sqlite.changeRows[1].first { $0.currency == "USD" })
        #expect(second.newOrderNumbers == ["D", "é-3"] && second.goneOrderNumbers == ["A\\1"])
        #expect(second.changedOrderNumbers == ["B\t2"], "0.10 to 0.1 reopens A but moves nothing")
        #expect(sqlite.changeRows[2].isEmpty && sqlite.diffs[2]?.isEmpty == true)
        #expect(sqlite.counts.orderIntervals == 10 && sqlite.counts.openOrderIntervals == 1)
    }

    struct Observed: Equatable {
        var records: [SnapshotRecord]
        var diffs: [SnapshotDiff?]
        var changeRows: [[ChangeRow]]
        var rows: [[String]]
        var head: ChainHead?
        var counts: LedgerCounts
    }

    @Test(arguments: LedgerBackend.allCases)
    func theSameFileAgainWritesNoIntervalRow(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let ledger = fixture.ledger
            try await fixture.record(Self.awkward, shaSeed: 1, minute: 0)
            let before = try await ledger.counts()
            let again = try await fixture.record(Self.awkward, shaSeed: 1, minute: 10)
            let after = try await ledger.counts()
            #expect((after.orderIntervals, after.openOrderIntervals) == (before.orderIntervals, before.openOrderIntervals))
            #expect((after.snapshots, after.snapshotTotals) == (2, 4))
            #expect(try await ledger.orders(at: again.id) == Self.awkward.byOrderNo)
            // Other bytes with the same orders are walked, and still write nothing.
            let rebuilt = try await fixture.record(Self.awkward.reversed(), shaSeed: 2, minute: 20)
            #expect(try await ledger.counts().orderIntervals == before.orderIntervals)
            #expect(try await ledger.orders(at: rebuilt.id) == Self.awkward.byOrderNo)
        }
    }

    /// Every refusal of SQLite, with the same error, and nothing of the snapshot kept.
    @Test func aSnapshotThatBreaksARuleIsRefusedAlikeAndLeavesNothing() async throws {
        let (sqlite, postgres) = try await LedgerFixture.onBoth { fixture in
            let ledger = fixture.ledger
            let first = try await fixture.record([order("A", "1")], shaSeed: 1, minute: 0)
            let finished = first.runID
            let other = try await fixture.startRun(job: "daily", minute: 5)
            let running = try await fixture.startRun(minute: 10)
            let good = fixture.snapshot(run: running, shaSeed: 2, at: LedgerFixture.base + 600)
            var badHash = good, badSize = good, noPath = good, otherJob = good, unknown = good
            badHash.sha256 = "ABC"
            badSize.fileSize = -1
            noPath.archivePath = ""
            otherJob.runID = other
            unknown.runID = RunID(rawValue: 99)
            var done = good
            done.runID = finished
            let firstOfItsSeries = fixture.snapshot(run: running, organizationID: 43, shaSeed: 3, at: LedgerFixture.base + 600)
            func sorted(_ orders: [UnpaidOrder], for snapshot: NewSnapshot = good) throws -> SortedOrders {
                try SortedOrders.of(orders, for: snapshot)
            }
            let attempts: [(NewSnapshot, SortedOrders)] = [
                (badHash, try sorted([order("A", "1")])), (badSize, try sorted([order("A", "1")])),
                (noPath, try sorted([order("A", "1")])),
                (good, try SortedOrders(organizationID: 7, [order("X", "1", organizationID: 7)])),
                (good, try sorted([order("A", "1"), order("A", "1")])),  // an unchanged order twice
                (good, try sorted([order("B", "1"), order("B", "2")])),  // a new order twice
                (good, try sorted([order("A", "3"), order("A", "3")])),  // a changed order twice
                (firstOfItsSeries, try sorted([order("C", "1", organizationID: 43), order("C", "1", organizationID: 43)],
                                              for: firstOfItsSeries)),  // twice in a first snapshot's COPY
                (otherJob, try sorted([order("A", "1")])), (unknown, try sorted([order("A", "1")])),
                (done, try sorted([order("A", "1")])),
            ]
            var errors: [String] = []
            for (snapshot, orders) in attempts {
                do {
                    try await ledger.recordSnapshot(snapshot, orders: orders)
                    errors.append("recorded")
                } catch let error as LedgerError {
                    errors.append("\(error)")
                }
            }
            let counts = try await ledger.counts()
            // The run stays usable: a refused snapshot left no row that a good one trips on.
            let recorded = try await ledger.recordSnapshot(good, orders: try SortedOrders.of([order("A", "2")], for: good))
            do {
                try await ledger.recordSnapshot(good, orders: try SortedOrders.of([order("A", "2")], for: good))
                errors.append("recorded twice")
            } catch let error as LedgerError {
                errors.append("\(error)")
            }
            return (errors, counts, recorded.id, try await ledger.counts())
        }
        #expect(postgres.0 == sqlite.0)
        #expect(sqlite.0.count == 12 && !sqlite.0.contains("recorded") && !sqlite.0.contains("recorded twice"))
        #expect(postgres.1 == sqlite.1 && postgres.1.snapshots == 1 && postgres.1.orderIntervals == 1)
        #expect(postgres.2 == sqlite.2 && postgres.3 == sqlite.3)
    }

    /// More orders than a page of open intervals and a batch of writes: the keyset pages and
    /// the flushes between them give SQLite's rows, change and chain, generation after generation.
    @Test func aLargeSeriesMergesAcrossPagesAsSQLiteDoes() async throws {
        var random = SplitMix64(seed: 12)
        var generations: [[UnpaidOrder]] = [(0..<15_000).map { order(String(format: "O%06d", $0 * 2), "\($0).\($0 % 7)") }]
        #expect(generations[0].count > OpenIntervalPage.capacity + PendingIntervalWrites.capacity)
        for generation in 1..<3 {
            var next: [UnpaidOrder] = []
            for (index, var kept) in generations[generation - 1].enumerated() {
                switch Int.random(in: 0..<10, using: &random) {
                case 0: continue
                case 1: kept.totalPrice += try Money("0.01")
                case 2: kept.currency = kept.currency == "USD" ? "CNY" : "USD"
                case 3: kept.productCode = kept.productCode == nil ? "uhost" : nil
                default: break
                }
                next.append(kept)
                if index % 3 == 0 { next.append(order(String(format: "O%06d-\(generation)", index * 2 + 1), "1")) }
            }
            generations.append(next.shuffled(using: &random))
        }
        let (sqlite, postgres) = try await LedgerFixture.onBoth { fixture in
            let ledger = fixture.ledger
            var diffs: [SnapshotDiff?] = []
            for (index, orders) in generations.enumerated() {
                let recorded = try await fixture.recordAlerting(orders, shaSeed: index + 1, minute: index * 10)
                diffs.append(recorded.diff)
                #expect(try await ledger.orders(at: recorded.record.id) == orders.byOrderNo)
            }
            return (diffs, try await StoredRows.of(fixture), try await ledger.chainHead())
        }
        #expect(postgres.0 == sqlite.0)
        #expect(postgres.1 == sqlite.1)
        #expect(postgres.2 == sqlite.2)
        #expect(sqlite.0[2].map { !$0.isEmpty } == true)
    }
}
