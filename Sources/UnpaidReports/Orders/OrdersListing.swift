import Foundation
import Ledger

/// `unpaidd orders` end to end: the orders of each snapshot, in order, through `OrdersReport`.
public enum OrdersListing {
    /// Batches in flight between the reading and the encoding thread: enough to smooth
    /// their pace, a few megabytes at most.
    static let batchesInFlight = 4

    /// Writes the orders of `snapshots`, in that order, encoding on a thread of its own
    /// while the calling task reads the ledger: reading a million rows and encoding them
    /// cost about the same, so on two cores the listing takes the longer of the two, not
    /// their sum. The bytes written are exactly `writeSequentially`'s.
    ///
    /// The rows arrive through a synchronous callback, so the reading side blocks while
    /// the hand-off is full. The encoder is a real thread, not a task, so it drains the
    /// hand-off whatever else holds the cooperative threads: the wait always ends.
    /// - Throws: what the writer throws (the reading then stops), or what
    ///   `AuditQueries.auditOrderRows` throws (after the rows it gave were written).
    public static func write<Writer: RowWriter>(_ snapshots: [SnapshotID], from ledger: any Ledger, ageAt moment: Date?,
                                                report: inout OrdersReport, to writer: inout Writer) async throws {
        let handOff = BatchHandOff<OrderRowBatch>(capacity: batchesInFlight)
        let encoder = Encoder(report: report, writer: writer, handOff: handOff)
        encoder.start()
        var batch = OrderRowBatch()
        var readingError: (any Error)?
        do {
            for snapshot in snapshots {
                _ = try await ledger.auditOrderRows(at: snapshot, ageAt: moment) { row in
                    batch.append(row)
                    if batch.isFull {
                        try handOff.put(batch)
                        batch = OrderRowBatch()
                    }
                }
            }
            if !batch.isEmpty { try handOff.put(batch) }
        } catch {
            // The rows before a failed check are listed, as they are when read in line.
            if !(error is BatchHandOff<OrderRowBatch>.Cancelled), !batch.isEmpty { try? handOff.put(batch) }
            readingError = error
        }
        handOff.finish(readingError)
        let encoded = encoder.waitUntilDone()
        report = encoded.report
        writer = encoded.writer
        if let failure = encoded.failure { throw failure }
    }

    /// The encoding side of `write`: takes batches until the last, then hands back the
    /// report and the writer it advanced. Owns them while it runs; `waitUntilDone` is the
    /// only way back to them.
    private final class Encoder<Writer: RowWriter>: @unchecked Sendable {
        // Written by the encoding thread only, read after `done` is signalled.
        private var report: OrdersReport
        private var writer: Writer
        private var failure: (any Error)?
        private let handOff: BatchHandOff<OrderRowBatch>
        private let done = DispatchSemaphore(value: 0)

        init(report: OrdersReport, writer: Writer, handOff: BatchHandOff<OrderRowBatch>) {
            self.report = report
            self.writer = writer
            self.handOff = handOff
        }

        func start() {
            Thread { [self] in
                do {
                    while let batch = try handOff.take() {
                        try batch.forEachRow { try report.write($0, to: &writer) }
                    }
                } catch {
                    // The reader's own error comes back through `take`; anything else is
                    // the writer's, and stops the reading.
                    failure = error
                    handOff.cancelAndWaitForProducer()
                }
                done.signal()
            }.start()
        }

        /// Blocks until the encoder has taken everything; it needs no task to get there.
        func waitUntilDone() -> (report: OrdersReport, writer: Writer, failure: (any Error)?) {
            done.wait()
            return (report, writer, failure)
        }
    }

    /// The same listing on the calling thread alone: the reference `write` is held to.
    public static func writeSequentially(_ snapshots: [SnapshotID], from ledger: any Ledger, ageAt moment: Date?,
                                         report: inout OrdersReport, to writer: inout some RowWriter) async throws {
        for snapshot in snapshots {
            _ = try await ledger.auditOrderRows(at: snapshot, ageAt: moment) { try report.write($0, to: &writer) }
        }
    }
}
