import Foundation
import Testing
import UnpaidCore
import Ledger
import LedgerTestSupport

@Suite struct RecordingTests {
    @Test(arguments: LedgerBackend.allCases)
    func snapshotRoundTripsWithExactTotals(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let orders = [order("A1", "0.1"), order("A2", "0.2"), order("A3", "66355.05885099999"),
                          order("B1", "12.5", currency: "CNY"), order("B2", "-2.50", currency: "CNY")]
            let recorded = try await fixture.record(orders, shaSeed: 1, minute: 0)

            #expect(recorded.totals["USD"] == Total(count: 3, sum: try Money("66355.35885099999")))
            #expect(recorded.totals["USD"]?.sum.description == "66355.35885099999")
            #expect(recorded.totals["CNY"]?.sum.description == "10.00")
            #expect(recorded.rowCount == 5)
            #expect(try await fixture.ledger.snapshot(recorded.id) == recorded)
            #expect(try await fixture.ledger.latestSnapshot(job: "monthly", organizationID: 42) == recorded)
            #expect(try await fixture.ledger.orders(at: recorded.id) == orders.byOrderNo)
            #expect(try await fixture.ledger.previousSnapshot(before: recorded.id) == nil)
        }
    }

    @Test(arguments: LedgerBackend.allCases)
    func everyEarlierSnapshotIsRebuiltExactly(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
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
                recorded.append(try await fixture.record(orders, shaSeed: index + 1, minute: index))
            }
            for (index, orders) in generations.enumerated() {
                let rebuilt = try await fixture.ledger.orders(at: recorded[index].id)
                #expect(rebuilt == orders.byOrderNo, "generation \(index)")
                #expect(rebuilt.map(\.totalPrice.description) == orders.byOrderNo.map(\.totalPrice.description),
                        "generation \(index)")
            }
            for index in 1..<recorded.count {
                #expect(try await fixture.ledger.previousSnapshot(before: recorded[index].id) == recorded[index - 1])
            }
            // Only changes were written: 3 + D + C' + B' + D' + A' + A'' + E.
            let counts = try await fixture.ledger.counts()
            #expect(counts.orderIntervals == 10)
            #expect(counts.openOrderIntervals == 2)
        }
    }

    @Test(arguments: LedgerBackend.allCases)
    func identicalContentWritesNoOrderRows(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let orders = (0..<500).map { order("N\($0)", "\($0).25", currency: $0 % 3 == 0 ? "CNY" : "USD") }
            let first = try await fixture.record(orders, shaSeed: 7, minute: 0)
            let before = try await fixture.ledger.counts()

            let sameFile = try await fixture.record(orders, shaSeed: 7, minute: 1)
            // Same orders, different bytes (say, a new export timestamp): the diff finds no change.
            let sameOrders = try await fixture.record(orders.reversed(), shaSeed: 8, minute: 2)

            let after = try await fixture.ledger.counts()
            #expect(after.orderIntervals == before.orderIntervals)
            #expect(after.openOrderIntervals == before.openOrderIntervals)
            #expect(after.snapshots == before.snapshots + 2)
            #expect(sameFile.totals == first.totals && sameOrders.totals == first.totals)
            #expect(try await fixture.ledger.orders(at: sameFile.id) == orders.byOrderNo)
            #expect(try await fixture.ledger.orders(at: sameOrders.id) == orders.byOrderNo)
        }
    }

    /// Counted table by table, so a backend that wrote anything more (an interval closed
    /// and reopened, a diff row) is caught, whatever its engine counts as a change.
    @Test(arguments: LedgerBackend.allCases)
    func anUnchangedSnapshotWritesOnlyItsOwnRows(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let orders = [order("A", "1"), order("B", "2", currency: "CNY"), order("C", "3")]
            try await fixture.record(orders, shaSeed: 1, minute: 0)
            for shaSeed in [1, 2] {  // the hash shortcut, then the full diff
                let run = try await fixture.ledger.startRun(job: "monthly", startedAt: LedgerFixture.base)
                let rowsBefore = try await fixture.rowCountsBehindTheLedger()
                let countsBefore = try await fixture.ledger.counts()
                try await fixture.ledger.recordSnapshot(fixture.snapshot(run: run, shaSeed: shaSeed, at: LedgerFixture.base),
                                                        orders: orders.reversed())
                let rowsAfter = try await fixture.rowCountsBehindTheLedger()
                #expect(Self.growth(from: rowsBefore, to: rowsAfter) == ["snapshot": 1, "snapshot_total": 2, "snapshot_chain": 1],
                        "one snapshot row, two currency totals and its chain link, sha seed \(shaSeed)")
                let countsAfter = try await fixture.ledger.counts()
                #expect(countsAfter.openOrderIntervals == countsBefore.openOrderIntervals, "no interval was closed")
                try await fixture.ledger.finishRun(run, status: .succeeded, error: nil, finishedAt: LedgerFixture.base)
            }
        }
    }

    /// The tables whose row count changed, with by how much.
    static func growth(from before: [String: Int], to after: [String: Int]) -> [String: Int] {
        after.reduce(into: [:]) { grown, table in
            let delta = table.value - (before[table.key] ?? 0)
            if delta != 0 { grown[table.key] = delta }
        }
    }

    @Test(arguments: LedgerBackend.allCases)
    func sameHashWithDifferentOrdersStillDiffs(_ backend: LedgerBackend) async throws {
        // A parser fix can change what the same bytes mean; the totals guard the shortcut.
        try await LedgerFixture.with(backend) { fixture in
            try await fixture.record([order("A", "1")], shaSeed: 3, minute: 0)
            let second = try await fixture.record([order("A", "2")], shaSeed: 3, minute: 1)
            #expect(try await fixture.ledger.orders(at: second.id) == [order("A", "2")])
        }
    }

    @Test(arguments: LedgerBackend.allCases)
    func duplicateOrderNumberIsRejectedAndNothingIsRecorded(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let kept = try await fixture.record([order("A", "1"), order("B", "2")], shaSeed: 1, minute: 0)
            let before = try await fixture.ledger.counts()
            for orders in [[order("A", "1"), order("A", "1")],      // duplicates of an unchanged order
                           [order("C", "1"), order("C", "5")],      // duplicates of a new order
                           [order("B", "3"), order("B", "3")]] {    // duplicates of a changed order
                let run = try await fixture.ledger.startRun(job: "monthly", startedAt: LedgerFixture.base)
                let error = await #expect(throws: LedgerError.self) {
                    try await fixture.ledger.recordSnapshot(fixture.snapshot(run: run, shaSeed: 9, at: LedgerFixture.base),
                                                            orders: orders)
                }
                #expect(error == .duplicateOrder(orderNo: orders[0].orderNo, organizationID: 42,
                                                 fileName: "unpaid-42-9.xlsx"))
                #expect(error?.description.contains("order \(orders[0].orderNo) of organization 42") == true)
                try await fixture.ledger.finishRun(run, status: .failed, error: "duplicate", finishedAt: LedgerFixture.base)
            }
            let after = try await fixture.ledger.counts()
            #expect(after.orderIntervals == before.orderIntervals)
            #expect(after.snapshots == before.snapshots)
            #expect(try await fixture.ledger.latestSnapshot(job: "monthly", organizationID: 42) == kept)
            #expect(try await fixture.ledger.orders(at: kept.id) == [order("A", "1"), order("B", "2")])
        }
    }

    @Test(arguments: LedgerBackend.allCases)
    func failedRunLeavesEarlierDataUntouched(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let base = LedgerFixture.base
            let kept = try await fixture.record([order("A", "1")], shaSeed: 1, minute: 0)
            let before = try await fixture.ledger.counts()
            let run = try await fixture.ledger.startRun(job: "monthly", startedAt: base)
            try await fixture.ledger.finishRun(run, status: .failed, error: "download timed out after 60 s",
                                               finishedAt: base.addingTimeInterval(60))

            #expect(try await fixture.ledger.latestSnapshot(job: "monthly", organizationID: 42) == kept)
            #expect(try await fixture.ledger.counts().snapshots == before.snapshots)
            let failed = try await fixture.ledger.runs(job: nil, status: .failed, since: nil, limit: 10)
            #expect(failed.map(\.id) == [run])
            #expect(failed.first?.error == "download timed out after 60 s")
            await #expect(throws: LedgerError.runNotRunning(run, status: .failed)) {
                try await fixture.ledger.recordSnapshot(fixture.snapshot(run: run, shaSeed: 2, at: base),
                                                        orders: [order("A", "2")])
            }
            await #expect(throws: LedgerError.runNotRunning(run, status: .failed)) {
                try await fixture.ledger.finishRun(run, status: .succeeded, error: nil, finishedAt: base)
            }
        }
    }

    @Test(arguments: LedgerBackend.allCases)
    func ordersOfAnotherOrganizationAreRejected(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let run = try await fixture.ledger.startRun(job: "monthly", startedAt: LedgerFixture.base)
            await #expect(throws: LedgerError.orderOfOtherOrganization(orderNo: "X", orderOrganizationID: 7,
                                                                       snapshotOrganizationID: 42,
                                                                       fileName: "unpaid-42-1.xlsx")) {
                try await fixture.ledger.recordSnapshot(fixture.snapshot(run: run, shaSeed: 1, at: LedgerFixture.base),
                                                        orders: [order("X", "1", organizationID: 7)])
            }
        }
    }

    @Test(arguments: LedgerBackend.allCases)
    func seriesAreDiffedSeparately(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let a = try await fixture.record([order("A", "1")], organizationID: 42, shaSeed: 1, minute: 0)
            let b = try await fixture.record([order("A", "1", organizationID: 43)], organizationID: 43, shaSeed: 1, minute: 1)
            let c = try await fixture.record([order("A", "1")], job: "daily", organizationID: 42, shaSeed: 1, minute: 2)
            #expect(try await fixture.ledger.orders(at: a.id) == [order("A", "1")])
            #expect(try await fixture.ledger.orders(at: b.id) == [order("A", "1", organizationID: 43)])
            #expect(try await fixture.ledger.orders(at: c.id) == [order("A", "1")])
            #expect(try await fixture.ledger.previousSnapshot(before: c.id) == nil)
            #expect(try await fixture.ledger.counts().orderIntervals == 3)
        }
    }
}

@Suite struct RunGuardTests {
    @Test(arguments: LedgerBackend.allCases)
    func aRunRecordsOneSnapshotPerOrganizationOfItsOwnJob(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let base = LedgerFixture.base
            let run = try await fixture.ledger.startRun(job: "monthly", startedAt: base)
            try await fixture.ledger.recordSnapshot(fixture.snapshot(run: run, shaSeed: 1, at: base), orders: [order("A", "1")])
            await #expect(throws: LedgerError.snapshotAlreadyRecorded(run, job: "monthly", organizationID: 42)) {
                try await fixture.ledger.recordSnapshot(fixture.snapshot(run: run, shaSeed: 2, at: base),
                                                        orders: [order("A", "2")])
            }
            await #expect(throws: LedgerError.runOfOtherJob(run, runJob: "monthly", snapshotJob: "daily")) {
                try await fixture.ledger.recordSnapshot(fixture.snapshot(run: run, job: "daily", shaSeed: 3, at: base),
                                                        orders: [])
            }
            #expect(try await fixture.ledger.counts().orderIntervals == 1)
        }
    }

    @Test(arguments: LedgerBackend.allCases)
    func malformedSnapshotFieldsAreRejectedBeforeWriting(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let run = try await fixture.ledger.startRun(job: "monthly", startedAt: LedgerFixture.base)
            var snapshot = fixture.snapshot(run: run, shaSeed: 1, at: LedgerFixture.base)
            snapshot.sha256 = String(repeating: "A", count: 64)
            let error = await #expect(throws: LedgerError.self) {
                try await fixture.ledger.recordSnapshot(snapshot, orders: [])
            }
            #expect(error?.description.contains("sha256 must be 64 lowercase hex digits") == true)
            #expect(try await fixture.ledger.counts().snapshots == 0)
        }
    }
}
