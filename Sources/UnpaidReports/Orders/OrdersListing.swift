import Foundation
import Ledger

/// `unpaidd orders` end to end: the orders of each snapshot, in order, through `OrdersReport`.
public enum OrdersListing {
    /// Batches in flight between the reading and the encoding thread: enough to smooth
    /// their pace, a few megabytes at most.
    static let batchesInFlight = 4

    /// Writes the orders of `snapshots`, in that order, reading the ledger on a second
    /// thread while this one encodes: reading a million rows and encoding them cost about
    /// the same, so on two cores the listing takes the longer of the two, not their sum.
    /// The bytes written are exactly `writeSequentially`'s.
    /// - Throws: what `Ledger.auditOrderRows` throws (after the rows it gave were written),
    ///   or what the writer throws (the reading then stops).
    public static func write(_ snapshots: [SnapshotID], from ledger: Ledger, ageAt moment: Date?,
                             report: inout OrdersReport, to writer: inout some RowWriter) throws {
        let handOff = BatchHandOff<OrderRowBatch>(capacity: batchesInFlight)
        let reader = Thread {
            var batch = OrderRowBatch()
            do {
                for snapshot in snapshots {
                    try ledger.auditOrderRows(at: snapshot, ageAt: moment) { row in
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
        reader.start()
        do {
            while let batch = try handOff.take() {
                try batch.forEachRow { try report.write($0, to: &writer) }
            }
        } catch {
            handOff.cancelAndWaitForProducer()
            throw error
        }
    }

    /// The same listing on the calling thread alone: the reference `write` is held to.
    public static func writeSequentially(_ snapshots: [SnapshotID], from ledger: Ledger, ageAt moment: Date?,
                                         report: inout OrdersReport, to writer: inout some RowWriter) throws {
        for snapshot in snapshots {
            try ledger.auditOrderRows(at: snapshot, ageAt: moment) { try report.write($0, to: &writer) }
        }
    }
}
