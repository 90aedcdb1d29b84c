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
            var verification = LedgerVerification()
            var audit = LedgerAudit(db: db)
            try audit.run(into: &verification)
            if let expectedHead {
                try Self.checkExpectedHead(expectedHead.lowercased(), in: db, into: &verification)
            }
            return verification
        }
    }

    private static func checkExpectedHead(_ expected: String, in db: Database, into verification: inout LedgerVerification) throws {
        if let id = try Int64.fetchOne(db, sql: "SELECT snapshot_id FROM snapshot_chain WHERE chain_hash = ?",
                                       arguments: [expected]) {
            verification.expectedHeadSnapshot = SnapshotID(rawValue: id)
        } else {
            let head = verification.head.map { "the chain ends at \($0)" } ?? "the chain is empty"
            verification.problems.append(VerificationProblem(
                snapshotID: nil, table: "snapshot_chain",
                detail: "the expected head \(expected) is not in the chain (\(head)): snapshots it covered were removed or rewritten"))
        }
    }
}

/// The checks of `Ledger.verify`, one table at a time.
private struct LedgerAudit {
    let db: Database
    /// Snapshot id → series id, in id order.
    private var seriesOf: [(id: Int64, series: Int64, rowCount: Int64)] = []
    private var rebuilt: [Int64: [String: Total]] = [:]
    private var moves: [SeriesAudit.MoveKey: SeriesAudit.MoveAggregate] = [:]
    private var digests: [Int64: IntervalDigests] = [:]

    init(db: Database) {
        self.db = db
    }

    mutating func run(into verification: inout LedgerVerification) throws {
        seriesOf = try Row.fetchAll(db, sql: "SELECT id, series_id, row_count FROM snapshot ORDER BY id")
            .map { ($0[0], $0[1], $0[2]) }
        verification.snapshots = seriesOf.count
        try walkIntervals(into: &verification)
        try checkChain(into: &verification)
        try checkTotals(into: &verification)
        try checkDiffs(into: &verification)
        verification.archivedFiles = try archivedFiles()
    }

    private mutating func walkIntervals(into verification: inout LedgerVerification) throws {
        let snapshotsBySeries = Dictionary(grouping: seriesOf, by: \.series).mapValues { Set($0.map(\.id)) }
        var intervalSeries = Set<Int64>()
        var after = Int64.min
        while let next = try Int64.fetchOne(db, sql: """
            SELECT series_id FROM order_interval WHERE series_id > ? ORDER BY series_id LIMIT 1
            """, arguments: [after]) {
            intervalSeries.insert(next)
            after = next
        }
        for seriesID in intervalSeries.union(snapshotsBySeries.keys).sorted() {
            var audit = SeriesAudit(seriesID: seriesID, snapshots: snapshotsBySeries[seriesID] ?? [])
            try SeriesIntervalWalk.run(seriesID: seriesID, in: db) { audit.add($0) }
            audit.finish()
            verification.orderIntervals += audit.intervals
            verification.problems += audit.problems
            var collector = audit.digests
            digests.merge(collector.finalize()) { first, _ in first }
            moves.merge(audit.moves) { first, _ in first }
            // Each snapshot's set is the previous one's, plus what it opened, minus what it closed.
            var running: [String: Total] = [:]
            for snapshot in seriesOf where snapshot.series == seriesID {
                for (currency, total) in audit.opened[snapshot.id] ?? [:] { running[currency, default: Total()].add(total) }
                for (currency, total) in audit.closed[snapshot.id] ?? [:] { running[currency, default: Total()].remove(total) }
                running = running.filter { $0.value.count != 0 || !$0.value.sum.isZero }
                rebuilt[snapshot.id] = running
            }
            verification.currentOrders += running.values.reduce(0) { $0 + $1.count }
        }
    }

    private func checkChain(into verification: inout LedgerVerification) throws {
        var stored: [Int64: (previous: String, hash: String)] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT snapshot_id, previous_hash, chain_hash FROM snapshot_chain") {
            stored[row[0]] = (row[1], row[2])
        }
        let snapshotIDs = Set(seriesOf.map(\.id))
        for id in stored.keys.sorted() where !snapshotIDs.contains(id) {
            problem(&verification, id, "snapshot_chain", "the chain has a link for snapshot \(id), which is not in the snapshot table")
        }
        var previousHash = ChainedSnapshot.genesis
        for snapshot in seriesOf {
            guard let link = stored[snapshot.id] else {
                problem(&verification, snapshot.id, "snapshot_chain", "the snapshot has no chain link")
                continue
            }
            if link.previous != previousHash {
                problem(&verification, snapshot.id, "snapshot_chain",
                        "previous_hash is \(link.previous), but the chain before it ends with \(previousHash): a snapshot before it was removed or its link rewritten")
            }
            if let chained = try ChainedSnapshot.load(snapshot.id, in: db), let previous = Hex.sha256(link.previous) {
                let expected = Hex.string(chained.chainHash(previous: previous, digests: digests[snapshot.id] ?? .none))
                if expected != link.hash {
                    problem(&verification, snapshot.id, "snapshot_chain",
                            "chain_hash is \(link.hash), but the snapshot, its totals and its intervals hash to \(expected): something it recorded was changed")
                }
            }
            previousHash = link.hash
            verification.head = ChainHead(snapshotID: snapshot.id, hash: link.hash)
        }
    }

    private func checkTotals(into verification: inout LedgerVerification) throws {
        var stored: [Int64: [String: Total]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT snapshot_id, currency, order_count, sum_text FROM snapshot_total") {
            let id: Int64 = row[0], currency: String = row[1], text: String = row[3]
            guard let sum = try? Money(text) else {
                problem(&verification, id, "snapshot_total", "the \(currency) sum \"\(text)\" is not a decimal")
                continue
            }
            stored[id, default: [:]][currency] = Total(count: row[2], sum: sum)
        }
        for snapshot in seriesOf {
            let recorded = stored[snapshot.id] ?? [:], orders = rebuilt[snapshot.id] ?? [:]
            for currency in Set(recorded.keys).union(orders.keys).sorted() {
                let total = recorded[currency] ?? Total(), fromOrders = orders[currency] ?? Total()
                if total != fromOrders {
                    problem(&verification, snapshot.id, "snapshot_total",
                            "\(currency) is \(total.count) orders summing to \(total.sum), but its orders rebuilt from order_interval are \(fromOrders.count) summing to \(fromOrders.sum)")
                }
            }
            let count = orders.values.reduce(0) { $0 + $1.count }
            if Int64(count) != snapshot.rowCount {
                problem(&verification, snapshot.id, "snapshot", "row_count is \(snapshot.rowCount), but its orders rebuilt from order_interval are \(count)")
            }
        }
    }

    private func checkDiffs(into verification: inout LedgerVerification) throws {
        var previousInSeries: [Int64: Int64] = [:], last: [Int64: Int64] = [:]
        for snapshot in seriesOf {
            if let previous = last[snapshot.series] { previousInSeries[snapshot.id] = previous }
            last[snapshot.series] = snapshot.id
        }
        var compared: [Int64: Int64] = [:]  // snapshot → the previous snapshot its diff rows compare with
        for row in try Row.fetchAll(db, sql: "SELECT snapshot_id, previous_snapshot_id FROM snapshot_diff") {
            let id: Int64 = row[0], previous: Int64? = row[1]
            if previous != previousInSeries[id] {
                problem(&verification, id, "snapshot_diff",
                        "previous_snapshot_id is \(previous.map(String.init) ?? "NULL"), but the previous snapshot of its series is \(previousInSeries[id].map(String.init) ?? "none")")
            }
            if let previous { compared[id] = previous }
        }
        try checkChangeRows(compared: compared, into: &verification)
        try checkChangeOrders(compared: compared, into: &verification)
    }

    private func checkChangeRows(compared: [Int64: Int64], into verification: inout LedgerVerification) throws {
        struct CurrencyOfSnapshot: Hashable { var snapshotID: Int64, currency: String }
        var seen = Set<CurrencyOfSnapshot>()
        for row in try Row.fetchAll(db, sql: "SELECT * FROM snapshot_change ORDER BY snapshot_id, currency") {
            let id: Int64 = row["snapshot_id"], currency: String = row["currency"]
            guard let previous = compared[id] else {
                problem(&verification, id, "snapshot_change", "\(currency) has a change row, but the snapshot was not compared with a previous one")
                continue
            }
            seen.insert(CurrencyOfSnapshot(snapshotID: id, currency: currency))
            let before = rebuilt[previous]?[currency] ?? Total(), after = rebuilt[id]?[currency] ?? Total()
            func expect(_ column: String, _ stored: String?, _ expected: String) {
                // Compared as values: the ledger stores canonical text, but a value is what it means.
                let same = stored.flatMap { try? Money($0) }.map { $0 == (try? Money(expected)) } ?? (stored == expected)
                if !same {
                    problem(&verification, id, "snapshot_change",
                            "\(currency) \(column) is \(stored ?? "NULL"), but the orders rebuilt from order_interval give \(expected)")
                }
            }
            expect("before_count", String(row["before_count"] as Int64), String(before.count))
            expect("before_sum_text", row["before_sum_text"], before.sum.description)
            expect("after_count", String(row["after_count"] as Int64), String(after.count))
            expect("after_sum_text", row["after_sum_text"], after.sum.description)
            expect("delta_text", row["delta_text"], (after.sum - before.sum).description)
            for (kind, column) in [(SeriesAudit.MoveKind.new, "new_orders"), (.gone, "gone_orders"), (.changed, "changed_orders")] {
                let count = moves[SeriesAudit.MoveKey(snapshotID: id, currency: currency, kind: kind)]?.count ?? 0
                expect(column, String(row[column] as Int64), String(count))
            }
        }
        // A currency whose orders moved must have its change row.
        for (key, moved) in moves {
            guard compared[key.snapshotID] != nil, moved.count > 0,
                  !seen.contains(CurrencyOfSnapshot(snapshotID: key.snapshotID, currency: key.currency)) else { continue }
            problem(&verification, key.snapshotID, "snapshot_change",
                    "\(key.currency) has no change row, but \(moved.count) of its orders are \(key.kind.rawValue) in order_interval")
        }
    }

    private func checkChangeOrders(compared: [Int64: Int64], into verification: inout LedgerVerification) throws {
        var stored: [SeriesAudit.MoveKey: SeriesAudit.MoveAggregate] = [:]
        let rows = try Row.fetchCursor(db, sql: """
            SELECT snapshot_id, currency, order_no, change, before_amount_text, after_amount_text FROM snapshot_change_order
            """)
        while let row = try rows.next() {
            let id: Int64 = row[0], currency: String = row[1], change: String = row[3]
            guard let kind = SeriesAudit.MoveKind(rawValue: change) else { continue }
            let before = (row[4] as String?).flatMap { try? Money($0) }, after = (row[5] as String?).flatMap { try? Money($0) }
            var orderNo: String = row[2]
            orderNo.withUTF8 { bytes in
                stored[SeriesAudit.MoveKey(snapshotID: id, currency: currency, kind: kind), default: .init()]
                    .add(orderNo: bytes, before: before, after: after)
            }
        }
        let keys = Set(stored.keys).union(moves.keys.filter { compared[$0.snapshotID] != nil })
        for key in keys.sorted(by: { ($0.snapshotID, $0.currency, $0.kind.rawValue) < ($1.snapshotID, $1.currency, $1.kind.rawValue) }) {
            let recorded = stored[key] ?? .init(), expected = moves[key] ?? .init()
            guard recorded != expected else { continue }
            let what = recorded.count == expected.count && recorded.before == expected.before && recorded.after == expected.after
                ? "the same count and amounts but other order numbers" : "\(expected.count) orders (before \(expected.before), after \(expected.after))"
            problem(&verification, key.snapshotID, "snapshot_change_order",
                    "\(key.currency) \(key.kind.rawValue) orders: \(recorded.count) rows (before \(recorded.before), after \(recorded.after)), but order_interval gives \(what)")
        }
    }

    private func archivedFiles() throws -> [ArchivedFile] {
        try Row.fetchAll(db, sql: """
            SELECT s.id, series.organization_id, s.archive_path, s.file_size, s.sha256, r.removed_at_ms, r.reason
            FROM snapshot s LEFT JOIN series ON series.id = s.series_id
            LEFT JOIN archive_removal r ON r.snapshot_id = s.id ORDER BY s.id
            """).map(ArchivedFile.init(row:))
    }

    private func problem(_ verification: inout LedgerVerification, _ snapshotID: Int64, _ table: String, _ detail: String) {
        verification.problems.append(VerificationProblem(snapshotID: SnapshotID(rawValue: snapshotID), table: table, detail: detail))
    }
}

extension Total {
    mutating func add(_ other: Total) {
        count += other.count
        sum += other.sum
    }
}
