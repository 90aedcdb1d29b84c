import Foundation
import Ledger
import SQLiteLedger
import Testing
import UnpaidCore
@testable import UnpaidReports
import SeededRandomness

/// `OrdersListing.write` reads in the calling task and encodes on a thread; what it writes must
/// be, byte for byte, what the same listing written on one thread is.
@Suite struct OrdersListingTests {
    /// A ledger of one series whose snapshots replace and reprice orders at random, with
    /// order numbers that need quoting, texts that are missing, and several currencies.
    final class SeededHistory {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("orders-listing-\(UUID().uuidString)", isDirectory: true)
        let ledger: SQLiteLedger
        private(set) var snapshots: [SnapshotID] = []

        init(seed: UInt64, orders count: Int, snapshots days: Int) throws {
            ledger = try SQLiteLedger(path: directory.appendingPathComponent("ledger.sqlite").path)
            var random = SplitMix64(seed: seed)  // a failing history replays from its seed
            func next() -> UInt64 { random.next() }
            func order(_ number: String) -> UnpaidOrder {
                UnpaidOrder(orderNo: number, organizationID: 7, currency: ["USD", "CNY", "EUR"][Int(next() % 3)],
                            totalPrice: Money(units: Int128(next() % 10_000_000) - 1_000, scale: Int(next() % 7)),
                            startTime: next() % 5 == 0 ? nil : 1_790_000_000 - Int64(next() % 400) * 86_400,
                            productCode: next() % 4 == 0 ? nil : "uhost,\"v2\"", resourceID: "res-\(next() % 1_000)",
                            modelID: next() % 3 == 0 ? nil : "model\nline")
            }
            var orders = (0..<count).map { order("N\(next() % 1_000_000)-\($0)") }
            for day in 0..<days {
                if day > 0 {
                    for index in orders.indices where next() % 20 == 0 { orders[index] = order("R\(day)-\(index)") }
                    for index in orders.indices where next() % 20 == 0 {
                        orders[index].totalPrice = orders[index].totalPrice + Money(units: 1, scale: 2)
                    }
                }
                try record(orders, day: day)
            }
        }

        deinit { try? FileManager.default.removeItem(at: directory) }

        private func record(_ orders: [UnpaidOrder], day: Int) throws {
            let at = Date(timeIntervalSince1970: 1_790_000_000 + Double(day) * 86_400)
            let run = try ledger.startRun(job: "daily", startedAt: at)
            let seconds = Int64(at.timeIntervalSince1970)
            let snapshot = try ledger.recordSnapshot(
                NewSnapshot(runID: run, job: "daily", organizationID: 7,
                            window: try BillingWindow(start: seconds - 86_400, end: seconds),
                            periodLabel: "day \(day)", fetchedAt: at, fileName: "daily-\(day).xlsx", fileSize: 1,
                            sha256: String(repeating: String(format: "%02x", day + 1), count: 32),
                            archivePath: "archive/7/\(day).xlsx"),
                orders: orders)
            try ledger.finishRun(run, status: .succeeded, error: nil, finishedAt: at)
            snapshots.append(snapshot.id)
        }
    }

    func listing(_ format: RowFormat, of snapshots: [SnapshotID], in history: SeededHistory,
                 pipelined: Bool) async throws -> String {
        let output = ReportOutput.memory()
        var writer = format.writer(columns: OrdersReport.columns, to: output)
        var report = OrdersReport(timeZone: TimeZone(identifier: "Asia/Shanghai")!)
        let moment = Date(timeIntervalSince1970: 1_795_000_000)
        if pipelined {
            try await OrdersListing.write(snapshots, from: history.ledger, ageAt: moment, report: &report, to: &writer)
        } else {
            try await OrdersListing.writeSequentially(snapshots, from: history.ledger, ageAt: moment, report: &report, to: &writer)
        }
        try writer.finish(trailer: nil)
        return output.text
    }

    /// Several batches per snapshot (more rows than one batch holds, more batches than
    /// the hand-off holds), several snapshots in one listing, every streaming format.
    @Test(arguments: [11, 12] as [UInt64])
    func pipelinedListingIsByteForByteTheSequentialOne(seed: UInt64) async throws {
        let history = try SeededHistory(seed: seed, orders: OrderRowBatch.capacity * 3 + 17, snapshots: 4)
        let listed = [history.snapshots[3], history.snapshots[0], history.snapshots[2]]
        for format in [RowFormat.csv, .jsonl, .json] {
            let pipelined = try await listing(format, of: listed, in: history, pipelined: true)
            let sequential = try await listing(format, of: listed, in: history, pipelined: false)
            #expect(pipelined.utf8.count > OrderRowBatch.capacity * 3 * 100)
            #expect(pipelined == sequential, "\(format)")
        }
    }

    /// A writer that fails part-way stops the reading thread: the error comes back and
    /// the call returns instead of waiting on a full hand-off for ever.
    @Test func aWriterThatFailsStopsTheReading() async throws {
        let history = try SeededHistory(seed: 3, orders: OrderRowBatch.capacity * 2, snapshots: 3)
        var writer = FailingWriter(rowsBeforeFailing: 10)
        var report = OrdersReport(timeZone: TimeZone(identifier: "UTC")!)
        await #expect(throws: ReportError.cannotWrite(path: "test", errno: EPIPE)) {
            try await OrdersListing.write(history.snapshots, from: history.ledger, ageAt: nil, report: &report, to: &writer)
        }
        #expect(writer.rows == 10)
    }

    /// An unknown snapshot is the reader's error, thrown to the caller.
    @Test func theReadersErrorReachesTheCaller() async throws {
        let history = try SeededHistory(seed: 4, orders: 10, snapshots: 1)
        var writer = FailingWriter(rowsBeforeFailing: .max)
        var report = OrdersReport(timeZone: TimeZone(identifier: "UTC")!)
        await #expect(throws: LedgerError.self) {
            try await OrdersListing.write(history.snapshots + [SnapshotID(rawValue: 999)], from: history.ledger, ageAt: nil,
                                    report: &report, to: &writer)
        }
        #expect(writer.rows == 10)
    }
}

/// Counts rows, then fails as a closed pipe does.
private struct FailingWriter: RowWriter {
    let rowsBeforeFailing: Int
    private(set) var rows = 0

    init(rowsBeforeFailing: Int) { self.rowsBeforeFailing = rowsBeforeFailing }

    mutating func writeRow(_ fill: (inout RowCells) -> Void) throws(ReportError) {
        guard rows < rowsBeforeFailing else { throw .cannotWrite(path: "test", errno: EPIPE) }
        var cells = RowCells(.csv)
        cells.start()
        fill(&cells)
        rows += 1
    }

    mutating func finish(trailer: ReportTrailer?) throws(ReportError) {}
}
