import Foundation
import Ledger
import OrderSpill
import PostgresNIO
import UnpaidCore

/// The write path of `recordSnapshot` inside the caller's transaction, as SQLite's: the
/// same checks and errors, the same rows, the same chain link.
struct PostgresSnapshotRecording {
    /// What was recorded, with the series' previous snapshot and, when compared, the moves
    /// since it summed up.
    struct Recorded {
        var record: SnapshotRecord
        var previous: SnapshotRecord?
        var moves: SnapshotDiffBuilder
        /// Whether the walk stored moved orders that wait for their change rows
        /// (``ChangeOrderRows/moveStoredOrders(snapshotID:on:logger:)``).
        var storedMoves: Bool
    }

    let connection: PostgresConnection
    let logger: Logger

    /// Records `snapshot` and its intervals. With `comparing`, every order that moved since
    /// the previous snapshot of the series is heard (nothing moved when the file is the
    /// previous one again).
    func record(_ snapshot: NewSnapshot, orders: SortedOrders, comparing: Bool) async throws -> Recorded {
        try snapshot.validate(orders: orders)
        try await checkRun(of: snapshot)
        // Before the snapshot's id is drawn: ids then follow the chain, and the previous
        // snapshot and open intervals read below cannot move under this transaction.
        try await PostgresSnapshotChain.lock(on: connection, logger: logger)
        let seriesID = try await seriesID(job: snapshot.job, organizationID: snapshot.organizationID)
        // A unique violation would abort the whole transaction: asked first (the run's row
        // is locked, so no one else records into it meanwhile).
        if try await exists("SELECT EXISTS (SELECT 1 FROM snapshot WHERE run_id = \(snapshot.runID.rawValue) AND series_id = \(seriesID))") {
            throw LedgerError.snapshotAlreadyRecorded(snapshot.runID, job: snapshot.job,
                                                      organizationID: snapshot.organizationID)
        }
        let previous = try await PostgresSnapshotRows.records(
            where: "s.series_id = \(seriesID) ORDER BY s.id DESC LIMIT 1", on: connection, logger: logger).first
        let totals = orders.totals
        let id = try await insert(snapshot, seriesID: seriesID, rowCount: orders.count, totals: totals)
        if let reconciliation = snapshot.reconciliation {
            try await PostgresReconciliationRows.insert(reconciliation, snapshotID: id, on: connection, logger: logger)
        }
        let unchanged = previous.map { $0.sha256 == snapshot.sha256 && $0.totals == totals } ?? false
        let reading = SortedOrderReading(organizationID: snapshot.organizationID, fileName: snapshot.fileName)
        var moves = SnapshotDiffBuilder()
        var digests = IntervalDigests.none
        var storedMoves = false
        if previous == nil {
            // A series' first snapshot: no open interval to compare with, every order opens.
            var opened = try await IntervalRowEncoder(seriesID: seriesID, snapshotID: id)
                .copyAll(orders, reading: reading, on: connection, logger: logger)
            var closed = IntervalDigest()
            digests = IntervalDigests(closed: closed.finalize(), opened: opened.finalize())
        } else if !unchanged {
            storedMoves = comparing
            var merge = PostgresIntervalMerge(
                connection: connection, logger: logger, seriesID: seriesID, snapshotID: id, reading: reading,
                changes: comparing ? try await ChangeOrderRows.prepare(on: connection, logger: logger) : nil)
            try await merge.run(orders)
            var closed = merge.closedDigest, opened = merge.writes.openedDigest
            moves = merge.changes?.builder ?? SnapshotDiffBuilder()
            digests = IntervalDigests(closed: closed.finalize(), opened: opened.finalize())
        }
        let chained = ChainedSnapshot(
            id: id.rawValue, runID: snapshot.runID.rawValue, seriesID: seriesID, job: snapshot.job,
            organizationID: snapshot.organizationID, periodStart: snapshot.window.start, periodEnd: snapshot.window.end,
            periodLabel: snapshot.periodLabel, fetchedAtMilliseconds: Instant.milliseconds(snapshot.fetchedAt),
            fileName: snapshot.fileName, fileSize: snapshot.fileSize, sha256: snapshot.sha256,
            archivePath: snapshot.archivePath, rowCount: Int64(orders.count),
            totals: totals.map { .init(currency: $0.key, orderCount: Int64($0.value.count), sumText: $0.value.sum.description) })
        try await PostgresSnapshotChain.append(chained, digests: digests, on: connection, logger: logger)
        let record = SnapshotRecord(recorded: snapshot, as: id, rowCount: orders.count, totals: totals)
        return Recorded(record: record, previous: previous, moves: moves, storedMoves: storedMoves)
    }

    /// The run must exist, be running and be of the snapshot's job; its row stays locked
    /// until the transaction ends, so finishing it waits for the snapshot.
    private func checkRun(of snapshot: NewSnapshot) async throws {
        let id = snapshot.runID
        let rows = try await connection.query("SELECT status, job FROM run WHERE id = \(id.rawValue) FOR UPDATE",
                                              logger: logger)
        var found: (status: String, job: String)?
        for try await (status, job) in rows.decode((String, String).self) { found = (status, job) }
        guard let found else { throw LedgerError.unknownRun(id) }
        guard let status = RunStatus(rawValue: found.status) else {
            throw LedgerError.corruptValue(table: "run", rowID: id.rawValue, column: "status", value: found.status)
        }
        guard status == .running else { throw LedgerError.runNotRunning(id, status: status) }
        guard found.job == snapshot.job else {
            throw LedgerError.runOfOtherJob(id, runJob: found.job, snapshotJob: snapshot.job)
        }
    }

    private func seriesID(job: String, organizationID: Int64) async throws -> Int64 {
        // A new series takes the next number after the newest, drawn under the chain's lock as
        // SQLite draws its rowid: a sequence would spend a number on every snapshot of an
        // existing series (ON CONFLICT) and on a refused first one, and the chain, which
        // hashes the series' number, would then link the same history otherwise than SQLite.
        _ = try await connection.query("""
            INSERT INTO series (id, job, organization_id)
            SELECT (SELECT coalesce(max(id), 0) + 1 FROM series), \(job), \(organizationID)
            WHERE NOT EXISTS (SELECT 1 FROM series WHERE job = \(job) AND organization_id = \(organizationID))
            """, logger: logger)
        let rows = try await connection.query(
            "SELECT id FROM series WHERE job = \(job) AND organization_id = \(organizationID)", logger: logger)
        for try await id in rows.decode(Int64.self) { return id }
        throw PostgresLedgerError.invariantViolated(table: "series", constraint: nil,
                                                    detail: "the series of \(job) for organization \(organizationID) was not created")
    }

    private func insert(_ snapshot: NewSnapshot, seriesID: Int64, rowCount: Int,
                        totals: [String: Total]) async throws -> SnapshotID {
        // The next id after the newest, drawn under the chain's lock, as SQLite's AUTOINCREMENT
        // draws it (snapshots are never deleted): a refused snapshot leaves no gap, where a
        // sequence would have burnt its number, and both backends number a history alike.
        let rows = try await connection.query("""
            INSERT INTO snapshot (id, run_id, series_id, period_start, period_end, period_label, fetched_at_ms,
                                  file_name, file_size, sha256, archive_path, row_count)
            VALUES ((SELECT coalesce(max(id), 0) + 1 FROM snapshot), \(snapshot.runID.rawValue), \(seriesID),
                    \(snapshot.window.start), \(snapshot.window.end), \(snapshot.periodLabel),
                    \(Instant.milliseconds(snapshot.fetchedAt)), \(snapshot.fileName), \(snapshot.fileSize), \(snapshot.sha256), \(snapshot.archivePath), \(Int64(rowCount)))
            RETURNING id
            """, logger: logger)
        var inserted: Int64?
        for try await id in rows.decode(Int64.self) { inserted = id }
        guard let inserted else {
            throw PostgresLedgerError.invariantViolated(table: "snapshot", constraint: nil,
                                                        detail: "recording \(snapshot.fileName) returned no id")
        }
        let id = SnapshotID(rawValue: inserted)
        for (currency, total) in totals.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            _ = try await connection.query("""
                INSERT INTO snapshot_total (snapshot_id, currency, order_count, sum_text)
                VALUES (\(inserted), \(currency), \(Int64(total.count)), \(total.sum.description))
                """, logger: logger)
        }
        return id
    }

    private func exists(_ query: PostgresQuery) async throws -> Bool {
        for try await exists in try await connection.query(query, logger: logger).decode(Bool.self) { return exists }
        return false
    }
}
