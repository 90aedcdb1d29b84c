import Foundation
import Testing
import UnpaidCore
import OrderSpill
import Ledger
import LedgerTestSupport
import SeededRandomness

extension LedgerFixture {
    /// Records through the alerting path as the pipeline does: orders sorted into runs
    /// of `runBytes` spilled to `spool`, merged back during the interval walk.
    func recordSpilled(_ orders: [UnpaidOrder], runBytes: Int, spool: String, shaSeed: Int,
                       minute: Int) async throws -> AlertedSnapshot {
        let sorter = OrderSorter(spillingTo: spool, runBytes: runBytes, highlighting: .init(limit: 5, cutoffs: []))
        for order in orders { try sorter.append(order) }
        let sorted = try sorter.finish().orders(of: 42)
        let at = LedgerFixture.base.addingTimeInterval(Double(minute) * 60)
        let run = try await ledger.startRun(job: "monthly", startedAt: at)
        let recorded: AlertedSnapshot
        do {
            recorded = try await ledger.recordSnapshot(snapshot(run: run, shaSeed: shaSeed, at: at), orders: sorted) { _ in
                .nothing(at: 0)
            }
        } catch {
            try await ledger.finishRun(run, status: .failed, error: "\(error)", finishedAt: at.addingTimeInterval(5))
            throw error
        }
        try await ledger.finishRun(run, status: .succeeded, error: nil, finishedAt: at.addingTimeInterval(5))
        return recorded
    }

    /// A directory for spilled runs, inside the fixture's scratch directory.
    func spool() throws -> String {
        let spool = scratch.appendingPathComponent("spool").path
        try FileManager.default.createDirectory(atPath: spool, withIntermediateDirectories: true)
        return spool
    }
}

@Suite struct SpilledRecordingTests {
    /// Orders merged from many spilled runs record exactly what one sorted run in memory
    /// records: the same intervals, totals, diff and stored change rows, generation after
    /// generation, with enough changes per snapshot that the walk flushes and seeks again
    /// many times.
    @Test(arguments: LedgerBackend.allCases, [4_096, 30_000])
    func spilledRunsRecordWhatOneRunInMemoryRecords(_ backend: LedgerBackend, runBytes: Int) async throws {
        try await LedgerFixture.with(backend) { memory in
            try await LedgerFixture.with(backend) { spilled in
                try await Self.recordGenerations(memory: memory, spilled: spilled, runBytes: runBytes)
            }
        }
    }

    static func recordGenerations(memory: LedgerFixture, spilled: LedgerFixture, runBytes: Int) async throws {
        let spool = try spilled.spool()
        var generator = SplitMix64(seed: UInt64(runBytes))
        var current = (0..<3_000).map { order(String(format: "order-2026-11-30-%06d", $0 * 7), "\($0).\($0 % 7)") }
        var previous: [UnpaidOrder]?
        for generation in 0..<5 {
            let file = current.shuffled(using: &generator)
            let inMemory = try await memory.recordAlerting(file, shaSeed: generation + 1, minute: generation * 10)
            let merged = try await spilled.recordSpilled(file, runBytes: runBytes, spool: spool, shaSeed: generation + 1,
                                                         minute: generation * 10)
            #expect(merged.diff == inMemory.diff, "generation \(generation)")
            #expect(merged.diff == previous.map { SnapshotDiff(previous: $0, current: current) }, "generation \(generation)")
            #expect(merged.record.totals == inMemory.record.totals)
            #expect(try await spilled.ledger.orders(at: merged.record.id) == current.byOrderNo)
            #expect(try await spilled.ledger.counts() == memory.ledger.counts())
            let rows = try await spilled.ledger.changeRows(in: merged.record.id)
            #expect(rows == (try await memory.ledger.changeRows(in: inMemory.record.id)))
            for row in rows {  // every moved order is stored, though the diff lists only a few
                let change = try #require(merged.diff?.currencies.first { $0.key.currency == row.currency })
                #expect(row.newOrderNumbers.count == change.newOrderCount)
                #expect(row.goneOrderNumbers.count == change.goneOrderCount)
                #expect(row.changedOrderNumbers.count == change.changedOrderCount)
            }
            previous = current
            var next: [UnpaidOrder] = []
            for (index, var order) in current.enumerated() {
                switch Int.random(in: 0..<6, using: &generator) {
                case 0: continue  // paid
                case 1: order.totalPrice += try Money("0.01")
                case 2: order.currency = order.currency == "USD" ? "CNY" : "USD"
                case 3: order.totalPrice = try Money(order.totalPrice.description + "0")  // same value, new text
                case 4: order.productCode = order.productCode == nil ? "uhost" : nil
                default: break
                }
                next.append(order)
                if index % 5 == 0 {
                    var added = order
                    added.orderNo = "N\(generation)-\(index)"
                    next.append(added)
                }
            }
            current = next
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool).isEmpty)
    }

    @Test(arguments: LedgerBackend.allCases)
    func anOrderTwiceInDifferentRunsIsRefusedAndNothingIsRecorded(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            var orders = (0..<1_000).map { order("O\($0)", "1.\($0)") }
            orders.append(order("O3", "2"))
            let spool = try fixture.spool()
            await #expect(throws: LedgerError.duplicateOrder(orderNo: "O3", organizationID: 42, fileName: "unpaid-42-1.xlsx")) {
                try await fixture.recordSpilled(orders, runBytes: 4_096, spool: spool, shaSeed: 1, minute: 0)
            }
            #expect(try await fixture.ledger.counts().snapshots == 0)
            #expect(try await fixture.ledger.counts().orderIntervals == 0)
        }
    }
}
