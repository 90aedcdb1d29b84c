import Ledger
import PostgresNIO
import UnpaidCore

extension PostgresLedger {
    /// Checks, in one REPEATABLE READ transaction (one state, while daemons write), that the
    /// ledger is what it recorded, with SQLite's checks and words (`LedgerAudit`): the chain
    /// snapshot by snapshot, every snapshot's totals against its orders rebuilt from the
    /// intervals, every interval and diff row. Archived files are listed for the caller to
    /// check.
    ///
    /// `expectedHead` is a chain hash copied earlier: it must still be in the chain.
    /// Memory grows with the number of snapshots, not of orders: each series' intervals are
    /// streamed in order (`PostgresIntervalWalk`), snapshots are hashed a page at a time.
    public func verify(expectedHead: String? = nil) async throws -> LedgerVerification {
        try await consistentRead { connection in
            var audit = LedgerAudit(snapshots: try await Self.rows(
                "SELECT id, series_id, row_count FROM snapshot ORDER BY id", on: connection, logger: logger
            ).map { LedgerAudit.Snapshot(id: try $0.value("id"), seriesID: try $0.value("series_id"),
                                         rowCount: try $0.value("row_count")) })
            let intervalSeries = try await PostgresIntervalWalk.seriesWithIntervals(on: connection, logger: logger)
            for seriesID in audit.seriesToWalk(withIntervals: intervalSeries) {
                var series = audit.seriesAudit(seriesID)
                try await PostgresIntervalWalk.run(seriesID: seriesID, on: connection, logger: logger) { series.add($0) }
                audit.add(series)
            }
            try await checkChain(into: &audit, on: connection)
            var totals: [LedgerAudit.StoredTotalRow] = []
            for try await (id, currency, count, sum) in try await connection.query(
                "SELECT snapshot_id, currency, order_count, sum_text FROM snapshot_total", logger: logger
            ).decode((Int64, String, Int64, String).self) {
                totals.append(LedgerAudit.StoredTotalRow(snapshotID: id, currency: currency, orderCount: count, sumText: sum))
            }
            audit.checkTotals(totals)
            try await checkDiffs(into: &audit, on: connection)
            if let expectedHead {
                let expected = expectedHead.lowercased()
                var foundAt: Int64?
                for try await id in try await connection.query(
                    "SELECT snapshot_id FROM snapshot_chain WHERE chain_hash = \(expected)", logger: logger
                ).decode(Int64.self) { foundAt = id }
                audit.checkExpectedHead(expected, foundAt: foundAt)
            }
            return audit.finish(archivedFiles: try await Self.rows("""
                SELECT s.id, coalesce(series.organization_id, 0) AS organization_id, s.archive_path, s.file_size, s.sha256,
                       r.removed_at_ms, r.reason
                FROM snapshot s LEFT JOIN series ON series.id = s.series_id
                LEFT JOIN archive_removal r ON r.snapshot_id = s.id ORDER BY s.id
                """, on: connection, logger: logger).map(ArchivedFile.init(row:)))
        }
    }

    /// Snapshots hashed again this many at a time.
    private static let chainPage = 1_000

    private func checkChain(into audit: inout LedgerAudit, on connection: PostgresConnection) async throws {
        var links: [Int64: LedgerAudit.ChainLink] = [:]
        for try await (id, previous, hash) in try await connection.query(
            "SELECT snapshot_id, previous_hash, chain_hash FROM snapshot_chain", logger: logger
        ).decode((Int64, String, String).self) {
            links[id] = LedgerAudit.ChainLink(previousHash: previous, chainHash: hash)
        }
        audit.checkChain(links: links)
        let ids = Array(audit.snapshotIDs)
        for start in stride(from: 0, to: ids.count, by: Self.chainPage) {
            let page = ids[start..<min(start + Self.chainPage, ids.count)]
            let stored = try await PostgresChainedSnapshots.load(page.first!...page.last!, on: connection, logger: logger)
            for id in page { audit.checkLink(of: id, stored: stored[id]) }
        }
    }

    private func checkDiffs(into audit: inout LedgerAudit, on connection: PostgresConnection) async throws {
        var links: [LedgerAudit.DiffLink] = []
        for try await (id, previous) in try await connection.query(
            "SELECT snapshot_id, previous_snapshot_id FROM snapshot_diff ORDER BY snapshot_id", logger: logger
        ).decode((Int64, Int64?).self) {
            links.append(LedgerAudit.DiffLink(snapshotID: id, previousSnapshotID: previous))
        }
        audit.checkDiffs(links)
        audit.checkChangeRows(try await Self.rows(
            "SELECT * FROM snapshot_change ORDER BY snapshot_id, currency", on: connection, logger: logger
        ).map { row in
            LedgerAudit.ChangeRow(
                snapshotID: try row.value("snapshot_id"), currency: try row.value("currency"),
                beforeCount: try row.value("before_count"), beforeSumText: try row.value("before_sum_text"),
                afterCount: try row.value("after_count"), afterSumText: try row.value("after_sum_text"),
                deltaText: try row.value("delta_text"), newOrders: try row.value("new_orders"),
                goneOrders: try row.value("gone_orders"), changedOrders: try row.value("changed_orders"))
        })
        for try await (id, currency, orderNo, change, before, after) in try await connection.query("""
            SELECT snapshot_id, currency, order_no, change, before_amount_text, after_amount_text FROM snapshot_change_order
            """, logger: logger).decode((Int64, String, String, String, String?, String?).self) {
            var number = orderNo
            number.withUTF8 { bytes in
                audit.addChangeOrder(snapshotID: id, currency: currency, orderNo: bytes, change: change,
                                     before: before, after: after)
            }
        }
        audit.finishChangeOrders()
    }
}
