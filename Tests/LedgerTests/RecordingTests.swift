import Foundation
import GRDB
import Testing
import UnpaidCore
@testable import SQLiteLedger
import Ledger
import LedgerTestSupport

@Suite struct RecordingTests {
    @Test func snapshotRoundTripsWithExactTotals() async throws {
        let fixture = try SQLiteFixture()
        let orders = [order("A1", "0.1"), order("A2", "0.2"), order("A3", "66355.05885099999"),
                      order("B1", "12.5", currency: "CNY"), order("B2", "-2.50", currency: "CNY")]
        let recorded = try fixture.record(orders, shaSeed: 1, minute: 0)

        #expect(recorded.totals["USD"] == Total(count: 3, sum: try Money("66355.35885099999")))
        #expect(recorded.totals["USD"]?.sum.description == "66355.35885099999")
        #expect(recorded.totals["CNY"]?.sum.description == "10.00")
        #expect(recorded.rowCount == 5)
        #expect(try fixture.ledger.snapshot(recorded.id) == recorded)
        #expect(try fixture.ledger.latestSnapshot(job: "monthly", organizationID: 42) == recorded)
        #expect(try fixture.ledger.orders(at: recorded.id) == orders.byOrderNo)
        #expect(try fixture.ledger.previousSnapshot(before: recorded.id) == nil)
    }

    @Test func everyEarlierSnapshotIsRebuiltExactly() async throws {
        let fixture = try SQLiteFixture()
        let generations: [[UnpaidOrder]] = [
            [order("A", "10"), order("B", "20"), order("C", "30")],
            [order("A", "10"), order("C", "30"), order("D", "40")],                     // B paid, D new
            [order("A", "10"), order("C", "35"), order("D", "40")],                     // C amount changed
            [order("A", "10"), order("B", "20"), order("C", "35"), order("D", "40", currency: "EUR")], // B back, D currency
            [order("A", "10.0"), order("B", "20"), order("C", "35"), order("D", "40", currency: "EUR")], // A rewritten
            [],                                                                          // all paid
            [order("A", "10"), order("E", "1", product: nil)],                          // A back after a gap
        ]
        var recorded: [SnapshotRecord] = []
        for (index, orders) in generations.enumerated() {
            recorded.append(try fixture.record(orders, shaSeed: index + 1, minute: index))
        }
        for (index, orders) in generations.enumerated() {
            #expect(try fixture.ledger.orders(at: recorded[index].id) == orders.byOrderNo, "generation \(index)")
            let amounts = try fixture.ledger.orders(at: recorded[index].id).map(\.totalPrice.description)
            #expect(amounts == orders.byOrderNo.map(\.totalPrice.description), "generation \(index)")
        }
        for index in 1..<recorded.count {
            #expect(try fixture.ledger.previousSnapshot(before: recorded[index].id) == recorded[index - 1])
        }
        // Only changes were written: 3 + D + C' + B' + D' + A' + A'' + E.
        #expect(try fixture.ledger.counts().orderIntervals == 10)
        #expect(try fixture.ledger.counts().openOrderIntervals == 2)
    }

    @Test func identicalContentWritesNoOrderRows() async throws {
        let fixture = try SQLiteFixture()
        let orders = (0..<500).map { order("N\($0)", "\($0).25", currency: $0 % 3 == 0 ? "CNY" : "USD") }
        let first = try fixture.record(orders, shaSeed: 7, minute: 0)
        let before = try fixture.ledger.counts()

        let sameFile = try fixture.record(orders, shaSeed: 7, minute: 1)
        // Same orders, different bytes (say, a new export timestamp): the diff finds no change.
        let sameOrders = try fixture.record(orders.reversed(), shaSeed: 8, minute: 2)

        let after = try fixture.ledger.counts()
        #expect(after.orderIntervals == before.orderIntervals)
        #expect(after.openOrderIntervals == before.openOrderIntervals)
        #expect(after.snapshots == before.snapshots + 2)
        #expect(sameFile.totals == first.totals && sameOrders.totals == first.totals)
        #expect(try fixture.ledger.orders(at: sameFile.id) == orders.byOrderNo)
        #expect(try fixture.ledger.orders(at: sameOrders.id) == orders.byOrderNo)
    }

    @Test func anUnchangedSnapshotWritesOnlyItsOwnRows() async throws {
        let fixture = try SQLiteFixture()
        let orders = [order("A", "1"), order("B", "2", currency: "CNY"), order("C", "3")]
        try fixture.record(orders, shaSeed: 1, minute: 0)
        for shaSeed in [1, 2] {  // the hash shortcut, then the full diff
            let run = try fixture.ledger.startRun(job: "monthly", startedAt: SQLiteFixture.base)
            let changesBefore = try await fixture.ledger.pool.write { $0.totalChangesCount }
            try await fixture.ledger.recordSnapshot(fixture.snapshot(run: run, shaSeed: shaSeed, at: SQLiteFixture.base),
                                              orders: orders.reversed())
            let changes = try await fixture.ledger.pool.write { $0.totalChangesCount } - changesBefore
            #expect(changes == 4, "one snapshot row, two currency totals and its chain link, sha seed \(shaSeed)")
            try fixture.ledger.finishRun(run, status: .succeeded, error: nil, finishedAt: SQLiteFixture.base)
        }
    }

    @Test func sameHashWithDifferentOrdersStillDiffs() async throws {
        // A parser fix can change what the same bytes mean; the totals guard the shortcut.
        let fixture = try SQLiteFixture()
        try fixture.record([order("A", "1")], shaSeed: 3, minute: 0)
        let second = try fixture.record([order("A", "2")], shaSeed: 3, minute: 1)
        #expect(try fixture.ledger.orders(at: second.id) == [order("A", "2")])
    }

    @Test func duplicateOrderNumberIsRejectedAndNothingIsRecorded() async throws {
        let fixture = try SQLiteFixture()
        let kept = try fixture.record([order("A", "1"), order("B", "2")], shaSeed: 1, minute: 0)
        let before = try fixture.ledger.counts()
        for orders in [[order("A", "1"), order("A", "1")],      // duplicates of an unchanged order
                       [order("C", "1"), order("C", "5")],      // duplicates of a new order
                       [order("B", "3"), order("B", "3")]] {    // duplicates of a changed order
            let run = try fixture.ledger.startRun(job: "monthly", startedAt: SQLiteFixture.base)
            let error = #expect(throws: LedgerError.self) {
                try fixture.ledger.recordSnapshot(fixture.snapshot(run: run, shaSeed: 9, at: SQLiteFixture.base),
                                                  orders: orders)
            }
            #expect(error == .duplicateOrder(orderNo: orders[0].orderNo, organizationID: 42,
                                             fileName: "unpaid-42-9.xlsx"))
            #expect(error?.description.contains("order \(orders[0].orderNo) of organization 42") == true)
            try fixture.ledger.finishRun(run, status: .failed, error: "duplicate", finishedAt: SQLiteFixture.base)
        }
        #expect(try fixture.ledger.counts().orderIntervals == before.orderIntervals)
        #expect(try fixture.ledger.counts().snapshots == before.snapshots)
        #expect(try fixture.ledger.latestSnapshot(job: "monthly", organizationID: 42) == kept)
        #expect(try fixture.ledger.orders(at: kept.id) == [order("A", "1"), order("B", "2")])
    }

    @Test func failedRunLeavesEarlierDataUntouched() async throws {
        let fixture = try SQLiteFixture()
        let kept = try fixture.record([order("A", "1")], shaSeed: 1, minute: 0)
        let before = try fixture.ledger.counts()
        let run = try fixture.ledger.startRun(job: "monthly", startedAt: SQLiteFixture.base)
        try fixture.ledger.finishRun(run, status: .failed, error: "download timed out after 60 s",
                                     finishedAt: SQLiteFixture.base.addingTimeInterval(60))

        #expect(try fixture.ledger.latestSnapshot(job: "monthly", organizationID: 42) == kept)
        #expect(try fixture.ledger.counts().snapshots == before.snapshots)
        let failed = try fixture.ledger.runs(status: .failed, limit: 10)
        #expect(failed.map(\.id) == [run])
        #expect(failed.first?.error == "download timed out after 60 s")
        #expect(throws: LedgerError.runNotRunning(run, status: .failed)) {
            try fixture.ledger.recordSnapshot(fixture.snapshot(run: run, shaSeed: 2, at: SQLiteFixture.base),
                                              orders: [order("A", "2")])
        }
        #expect(throws: LedgerError.runNotRunning(run, status: .failed)) {
            try fixture.ledger.finishRun(run, status: .succeeded, error: nil, finishedAt: SQLiteFixture.base)
        }
    }

    @Test func ordersOfAnotherOrganizationAreRejected() async throws {
        let fixture = try SQLiteFixture()
        let run = try fixture.ledger.startRun(job: "monthly", startedAt: SQLiteFixture.base)
        #expect(throws: LedgerError.orderOfOtherOrganization(orderNo: "X", orderOrganizationID: 7,
                                                             snapshotOrganizationID: 42,
                                                             fileName: "unpaid-42-1.xlsx")) {
            try fixture.ledger.recordSnapshot(fixture.snapshot(run: run, shaSeed: 1, at: SQLiteFixture.base),
                                              orders: [order("X", "1", organizationID: 7)])
        }
    }

    @Test func seriesAreDiffedSeparately() async throws {
        let fixture = try SQLiteFixture()
        let a = try fixture.record([order("A", "1")], organizationID: 42, shaSeed: 1, minute: 0)
        let b = try fixture.record([order("A", "1", organizationID: 43)], organizationID: 43, shaSeed: 1, minute: 1)
        let c = try fixture.record([order("A", "1")], job: "daily", organizationID: 42, shaSeed: 1, minute: 2)
        #expect(try fixture.ledger.orders(at: a.id) == [order("A", "1")])
        #expect(try fixture.ledger.orders(at: b.id) == [order("A", "1", organizationID: 43)])
        #expect(try fixture.ledger.orders(at: c.id) == [order("A", "1")])
        #expect(try fixture.ledger.previousSnapshot(before: c.id) == nil)
        #expect(try fixture.ledger.counts().orderIntervals == 3)
    }
}

@Suite struct RunGuardTests {
    @Test func aRunRecordsOneSnapshotPerOrganizationOfItsOwnJob() async throws {
        let fixture = try SQLiteFixture()
        let run = try fixture.ledger.startRun(job: "monthly", startedAt: SQLiteFixture.base)
        try await fixture.ledger.recordSnapshot(fixture.snapshot(run: run, shaSeed: 1, at: SQLiteFixture.base),
                                          orders: [order("A", "1")])
        #expect(throws: LedgerError.snapshotAlreadyRecorded(run, job: "monthly", organizationID: 42)) {
            try fixture.ledger.recordSnapshot(fixture.snapshot(run: run, shaSeed: 2, at: SQLiteFixture.base),
                                              orders: [order("A", "2")])
        }
        #expect(throws: LedgerError.runOfOtherJob(run, runJob: "monthly", snapshotJob: "daily")) {
            try fixture.ledger.recordSnapshot(
                fixture.snapshot(run: run, job: "daily", shaSeed: 3, at: SQLiteFixture.base), orders: [])
        }
        #expect(try fixture.ledger.counts().orderIntervals == 1)
    }

    @Test func malformedSnapshotFieldsAreRejectedBeforeWriting() async throws {
        let fixture = try SQLiteFixture()
        let run = try fixture.ledger.startRun(job: "monthly", startedAt: SQLiteFixture.base)
        var snapshot = fixture.snapshot(run: run, shaSeed: 1, at: SQLiteFixture.base)
        snapshot.sha256 = String(repeating: "A", count: 64)
        let error = #expect(throws: LedgerError.self) { try fixture.ledger.recordSnapshot(snapshot, orders: []) }
        #expect(error?.description.contains("sha256 must be 64 lowercase hex digits") == true)
        #expect(try fixture.ledger.counts().snapshots == 0)
    }
}
