import Foundation
import GRDB
import Ledger
import OrderSpill
import UnpaidCore

extension SQLiteLedger {
    /// Records one fetched file and its orders in a single transaction.
    ///
    /// Call it only after the whole file parsed: either everything is recorded or
    /// nothing is. Unchanged orders are not written again; when the file is byte-for-byte
    /// the previous one of its series (same SHA-256, same totals), no order row is
    /// written at all. An order number present twice in `orders` is an error.
    ///
    /// Memory stays bounded whatever the number of orders: they are read back from their
    /// sorted runs one at a time.
    @discardableResult
    public func recordSnapshot(_ snapshot: NewSnapshot, orders: SortedOrders) throws -> SnapshotRecord {
        try pool.write { db in try Self.recordSnapshot(snapshot, orders: orders, comparing: false, in: db).record }
    }

    /// `recordSnapshot` for orders held in memory.
    @discardableResult
    public func recordSnapshot(_ snapshot: NewSnapshot, orders: [UnpaidOrder]) throws -> SnapshotRecord {
        try recordSnapshot(snapshot, orders: SortedOrders.of(orders, for: snapshot))
    }

    /// The write path of `recordSnapshot`, for callers that add to the same transaction.
    /// Also returns the series' previous snapshot and, when `comparing`, the moves since
    /// it summed up (every moved order is stored in `snapshot_change_order`; nothing
    /// moved when the file is the previous one again).
    static func recordSnapshot(_ snapshot: NewSnapshot, orders: SortedOrders, comparing: Bool, in db: Database)
        throws -> (record: SnapshotRecord, previous: SnapshotRecord?, moves: SnapshotDiffBuilder) {
        try snapshot.validate(orders: orders)
        let runStatus = try Self.runStatus(snapshot.runID, in: db)
        guard runStatus == .running else { throw LedgerError.runNotRunning(snapshot.runID, status: runStatus) }
        let runJob = try String.fetchOne(db, sql: "SELECT job FROM run WHERE id = ?",
                                         arguments: [snapshot.runID.rawValue]) ?? ""
        guard runJob == snapshot.job else {
            throw LedgerError.runOfOtherJob(snapshot.runID, runJob: runJob, snapshotJob: snapshot.job)
        }
        let totals = orders.totals
        let seriesID = try Self.seriesID(job: snapshot.job, organizationID: snapshot.organizationID, in: db)
        let previous = try Self.latestSnapshot(seriesID: seriesID, in: db)
        let id = try Self.insert(snapshot, seriesID: seriesID, rowCount: orders.count, totals: totals, in: db)
        if let reconciliation = snapshot.reconciliation { try Self.insert(reconciliation, snapshotID: id, in: db) }
        let unchanged = previous.map { $0.sha256 == snapshot.sha256 && $0.totals == totals } ?? false
        var moves = SnapshotDiffBuilder()
        var digests = IntervalDigests.none
        if !unchanged {
            let writer = OrderIntervalWriter(db: db, seriesID: seriesID, snapshotID: id, fileName: snapshot.fileName)
            (moves, digests) = try writer.apply(orders, comparing: comparing && previous != nil)
        }
        try SnapshotChain.append(id, digests: digests, in: db)
        let record = SnapshotRecord(recorded: snapshot, as: id, rowCount: orders.count, totals: totals)
        return (record, previous, moves)
    }

    private static func seriesID(job: String, organizationID: Int64, in db: Database) throws -> Int64 {
        try db.execute(sql: "INSERT INTO series (job, organization_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                       arguments: [job, organizationID])
        return try Int64.fetchOne(db, sql: "SELECT id FROM series WHERE job = ? AND organization_id = ?",
                                  arguments: [job, organizationID])!
    }

    private static func insert(_ snapshot: NewSnapshot, seriesID: Int64, rowCount: Int,
                               totals: [String: Total], in db: Database) throws -> SnapshotID {
        do {
            try db.execute(sql: """
                INSERT INTO snapshot (run_id, series_id, period_start, period_end, period_label, fetched_at_ms,
                                      file_name, file_size, sha256, archive_path, row_count)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [snapshot.runID.rawValue, seriesID, snapshot.window.start, snapshot.window.end,
                                 snapshot.periodLabel, Instant.milliseconds(snapshot.fetchedAt), snapshot.fileName,
                                 snapshot.fileSize, snapshot.sha256, snapshot.archivePath, rowCount])
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw LedgerError.snapshotAlreadyRecorded(snapshot.runID, job: snapshot.job,
                                                      organizationID: snapshot.organizationID)
        }
        let id = SnapshotID(rawValue: db.lastInsertedRowID)
        for (currency, total) in totals {
            try db.execute(sql: """
                INSERT INTO snapshot_total (snapshot_id, currency, order_count, sum_text) VALUES (?, ?, ?, ?)
                """, arguments: [id.rawValue, currency, total.count, total.sum.description])
        }
        return id
    }
}
