import Foundation
import Ledger

/// `unpaidd orders` end to end: the orders of each snapshot, in order, through `OrdersReport`.
public enum OrdersListing {
    /// Batches in flight between the reading and the encoding thread: enough to smooth
    /// their pace, a few megabytes at most.
    static let batchesInFlight = 4

    /// Writes the orders of `snapshots`, in that order, reading the ledger in a child task
    /// while this one encodes: reading a million rows and encoding them cost about the
    /// same, so on two cores the listing takes the longer of the two, not their sum.
    /// The bytes written are exactly `writeSequentially`'s.
    ///
    /// The rows arrive through a synchronous callback, so each side blocks its thread while
    /// the hand-off is full or empty. That is sound only with a thread for each: on one
    /// core the listing runs sequentially.
    /// - Throws: what `AuditQueries.auditOrderRows` throws (after the rows it gave were
    ///   written), or what the writer throws (the reading then stops).
    public static func write(_ snapshots: [SnapshotID], from ledger: any Ledger, ageAt moment: Date?,
                             report: inout OrdersReport, to writer: inout some RowWriter) async throws {
        guard ProcessInfo.processInfo.activeProcessorCount > 1 else {
            return try await writeSequentially(snapshots, from: ledger, ageAt: moment, report: &report, to: &writer)
        }
        let handOff = BatchHandOff<OrderRowBatch>(capacity: batchesInFlight)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                var batch = OrderRowBatch()
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
                    handOff.finish(nil)
                } catch {
                    // The rows before a failed check are listed, as they are when read in line.
                    if !(error is BatchHandOff<OrderRowBatch>.Cancelled), !batch.isEmpty { try? handOff.put(batch) }
                    handOff.finish(error)
                }
            }
            do {
                while let batch = try handOff.take() {
                    try batch.forEachRow { try report.write($0, to: &writer) }
                }
            } catch {
                handOff.cancelAndWaitForProducer()
                throw error
            }
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
