import GRDB
import Ledger
import UnpaidCore

extension SQLiteLedger {
    /// Checks, in one read transaction, that the ledger is what it recorded: the chain
    /// snapshot by snapshot, every snapshot's totals against its orders rebuilt from the
    /// intervals, every interval and diff row. Archived files are listed for the caller
    /// to check (the ledger does not read the archive).
    ///
    /// `expectedHead` is a chain hash copied earlier (from `verify`, a log or an alert):
    /// it must still be in the chain, or snapshots were removed or rewritten since.
    /// Memory grows with the number of snapshots, not of orders: each series' intervals
    /// are read in one merged walk (`SeriesIntervalWalk`).
    public func verify(expectedHead: String? = nil) throws -> LedgerVerification {
        try pool.read { db in
            // One pass over every interval gains nothing from the recording path's large
            // page cache; a small one keeps verify's memory near its own needs.
            let cacheSize = try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? -65536
            try db.execute(sql: "PRAGMA cache_size = -8192")
            defer { try? db.execute(sql: "PRAGMA cache_size = \(cacheSize)") }
            var audit = LedgerAudit(snapshots: try Row.fetchAll(db, sql: "SELECT id, series_id, row_count FROM snapshot ORDER BY id")
                .map { LedgerAudit.Snapshot(id: $0[0], seriesID: $0[1], rowCount: $0[2]) })
            try Self.walkIntervals(into: &audit, in: db)
            var links: [Int64: LedgerAudit.ChainLink] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT snapshot_id, previous_hash, chain_hash FROM snapshot_chain") {
                links[row[0]] = LedgerAudit.ChainLink(previousHash: row[1], chainHash: row[2])
            }
            audit.checkChain(links: links)
            for id in audit.snapshotIDs { audit.checkLink(of: id, stored: try ChainedSnapshot.load(id, in: db)) }
            audit.checkTotals(try Row.fetchAll(db, sql: "SELECT snapshot_id, currency, order_count, sum_text FROM snapshot_total")
                .map { LedgerAudit.StoredTotalRow(snapshotID: $0[0], currency: $0[1], orderCount: $0[2], sumText: $0[3]) })
            try Self.checkDiffs(into: &audit, in: db)
            if let expectedHead {
                let expected = expectedHead.lowercased()
                audit.checkExpectedHead(expected, foundAt: try Int64.fetchOne(
                    db, sql: "SELECT snapshot_id FROM snapshot_chain WHERE chain_hash = ?", arguments: [expected]))
            }
            return audit.finish(archivedFiles: try Row.fetchAll(db, sql: """
                SELECT s.id, series.organization_id, s.archive_path, s.file_size, s.sha256, r.removed_at_ms, r.reason
                FROM snapshot s LEFT JOIN series ON series.id = s.series_id
                LEFT JOIN archive_removal r ON r.snapshot_id = s.id ORDER BY s.id
                """).map(ArchivedFile.init(row:)))
        }
    }

    /// Each series' intervals in one merged walk (`SeriesIntervalWalk`).
    private static func walkIntervals(into audit: inout LedgerAudit, in db: Database) throws {
        var intervalSeries: [Int64] = []
        var after = Int64.min
        while let next = try Int64.fetchOne(db, sql: """
            SELECT series_id FROM order_interval WHERE series_id > ? ORDER BY series_id LIMIT 1
            """, arguments: [after]) {
            intervalSeries.append(next)
            after = next
        }
        for seriesID in audit.seriesToWalk(withIntervals: intervalSeries) {
            var series = audit.seriesAudit(seriesID)
            try SeriesIntervalWalk.run(seriesID: seriesID, in: db) { series.add($0.fields) }
            audit.add(series)
        }
    }

    private static func checkDiffs(into audit: inout LedgerAudit, in db: Database) throws {
        audit.checkDiffs(try Row.fetchAll(db, sql: "SELECT snapshot_id, previous_snapshot_id FROM snapshot_diff")
            .map { LedgerAudit.DiffLink(snapshotID: $0[0], previousSnapshotID: $0[1]) })
        audit.checkChangeRows(try Row.fetchAll(db, sql: "SELECT * FROM snapshot_change ORDER BY snapshot_id, currency").map {
            LedgerAudit.ChangeRow(
                snapshotID: $0["snapshot_id"], currency: $0["currency"], beforeCount: $0["before_count"],
                beforeSumText: $0["before_sum_text"], afterCount: $0["after_count"], afterSumText: $0["after_sum_text"],
                deltaText: $0["delta_text"], newOrders: $0["new_orders"], goneOrders: $0["gone_orders"],
                changedOrders: $0["changed_orders"])
        })
        let rows = try Row.fetchCursor(db, sql: """
            SELECT snapshot_id, currency, order_no, change, before_amount_text, after_amount_text FROM snapshot_change_order
            """)
        while let row = try rows.next() {
            var orderNo: String = row[2]
            orderNo.withUTF8 { bytes in
                audit.addChangeOrder(snapshotID: row[0], currency: row[1], orderNo: bytes, change: row[3],
                                     before: row[4], after: row[5])
            }
        }
        audit.finishChangeOrders()
    }
}
