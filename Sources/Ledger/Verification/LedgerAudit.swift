import UnpaidCore

/// The checks of `IntegrityLedger.verify`, one table at a time, on rows a backend reads
/// from one state of its ledger: both backends call them in the same order with the same
/// rows, so they find the same problems with the same words.
///
/// Order of calls: ``seriesToWalk(withIntervals:)`` and, per series, a ``seriesAudit(_:)``
/// fed the series' intervals and handed back to ``add(_:)``; ``checkChain(links:)`` then
/// ``checkLink(of:stored:)`` for each snapshot; ``checkTotals(_:)``, ``checkDiffs(_:)``,
/// ``checkChangeRows(_:)``; every stored change order to
/// ``addChangeOrder(snapshotID:currency:orderNo:change:before:after:)``, then
/// ``finishChangeOrders()``; last ``finish(archivedFiles:)``. Memory grows with the
/// number of snapshots, not of orders.
package struct LedgerAudit {
    /// A `snapshot` row as the checks need it.
    package struct Snapshot: Sendable {
        package var id: Int64
        package var seriesID: Int64
        package var rowCount: Int64

        package init(id: Int64, seriesID: Int64, rowCount: Int64) {
            self.id = id
            self.seriesID = seriesID
            self.rowCount = rowCount
        }
    }

    /// A `snapshot_chain` row.
    package struct ChainLink: Sendable {
        package var previousHash: String
        package var chainHash: String

        package init(previousHash: String, chainHash: String) {
            self.previousHash = previousHash
            self.chainHash = chainHash
        }
    }

    /// A `snapshot_total` row, its sum as stored.
    package struct StoredTotalRow: Sendable {
        package var snapshotID: Int64
        package var currency: String
        package var orderCount: Int64
        package var sumText: String

        package init(snapshotID: Int64, currency: String, orderCount: Int64, sumText: String) {
            self.snapshotID = snapshotID
            self.currency = currency
            self.orderCount = orderCount
            self.sumText = sumText
        }
    }

    /// In id order.
    let snapshots: [Snapshot]
    var verification = LedgerVerification()
    /// Each snapshot's orders per currency, rebuilt from the intervals.
    var rebuilt: [Int64: [String: Total]] = [:]
    var moves: [SeriesAudit.MoveKey: SeriesAudit.MoveAggregate] = [:]
    private var digests: [Int64: IntervalDigests] = [:]
    private var links: [Int64: ChainLink] = [:]
    /// The chain hash of the last link checked.
    private var chainEnd = ChainedSnapshot.genesis
    /// Snapshot → the previous snapshot its diff rows compare with.
    var compared: [Int64: Int64] = [:]
    var storedMoves: [SeriesAudit.MoveKey: SeriesAudit.MoveAggregate] = [:]

    /// `snapshots` in id order.
    package init(snapshots: [Snapshot]) {
        self.snapshots = snapshots
        verification.snapshots = snapshots.count
    }

    /// Every snapshot's id, in order.
    package var snapshotIDs: some Collection<Int64> { snapshots.lazy.map(\.id) }

    /// Every series that has a snapshot or an interval, in id order: intervals of a series
    /// without snapshots are walked too, and found wrong.
    package func seriesToWalk(withIntervals intervalSeries: some Sequence<Int64>) -> [Int64] {
        Set(intervalSeries).union(snapshots.map(\.seriesID)).sorted()
    }

    /// An empty audit of `seriesID`, for the backend to feed that series' intervals.
    package func seriesAudit(_ seriesID: Int64) -> SeriesAudit {
        SeriesAudit(seriesID: seriesID, snapshots: Set(snapshots.lazy.filter { $0.seriesID == seriesID }.map(\.id)))
    }

    /// Takes in one series' walk: its problems, digests and moves, and each of its
    /// snapshots' orders (the previous one's, plus what it opened, minus what it closed).
    package mutating func add(_ walked: SeriesAudit) {
        var audit = walked
        audit.finish()
        verification.orderIntervals += audit.intervals
        verification.problems += audit.problems
        var collector = audit.digests
        digests.merge(collector.finalize()) { first, _ in first }
        moves.merge(audit.moves) { first, _ in first }
        var running: [String: Total] = [:]
        for snapshot in snapshots where snapshot.seriesID == audit.seriesID {
            for (currency, total) in audit.opened[snapshot.id] ?? [:] { running[currency, default: Total()].add(total) }
            for (currency, total) in audit.closed[snapshot.id] ?? [:] { running[currency, default: Total()].remove(total) }
            running = running.filter { $0.value.count != 0 || !$0.value.sum.isZero }
            rebuilt[snapshot.id] = running
        }
        verification.currentOrders += running.values.reduce(0) { $0 + $1.count }
    }

    /// Checks that every link names a snapshot, and keeps the links for
    /// ``checkLink(of:stored:)``.
    package mutating func checkChain(links: [Int64: ChainLink]) {
        let snapshotIDs = Set(snapshots.map(\.id))
        for id in links.keys.sorted() where !snapshotIDs.contains(id) {
            problem(id, "snapshot_chain", "the chain has a link for snapshot \(id), which is not in the snapshot table")
        }
        self.links = links
    }

    /// Recomputes snapshot `id`'s link from the snapshot as stored (nil when its row is
    /// gone) and the digests of its walked intervals. Called for every snapshot, in id
    /// order (``snapshotIDs``), after ``checkChain(links:)``: each link extends the one before.
    package mutating func checkLink(of id: Int64, stored: ChainedSnapshot?) {
        guard let link = links[id] else {
            problem(id, "snapshot_chain", "the snapshot has no chain link")
            return
        }
        if link.previousHash != chainEnd {
            problem(id, "snapshot_chain",
                    "previous_hash is \(link.previousHash), but the chain before it ends with \(chainEnd): a snapshot before it was removed or its link rewritten")
        }
        if let stored, let previous = Hex.sha256(link.previousHash) {
            let expected = Hex.string(stored.chainHash(previous: previous, digests: digests[id] ?? .none))
            if expected != link.chainHash {
                problem(id, "snapshot_chain",
                        "chain_hash is \(link.chainHash), but the snapshot, its totals and its intervals hash to \(expected): something it recorded was changed")
            }
        }
        chainEnd = link.chainHash
        verification.head = ChainHead(snapshotID: id, hash: link.chainHash)
    }

    /// Every stored total against the orders rebuilt from the intervals, and each
    /// snapshot's `row_count` against their number.
    package mutating func checkTotals(_ rows: [StoredTotalRow]) {
        var stored: [Int64: [String: Total]] = [:]
        for row in rows {
            guard let sum = try? Money(row.sumText) else {
                problem(row.snapshotID, "snapshot_total", "the \(row.currency) sum \"\(row.sumText)\" is not a decimal")
                continue
            }
            stored[row.snapshotID, default: [:]][row.currency] = Total(count: Int(row.orderCount), sum: sum)
        }
        for snapshot in snapshots {
            let recorded = stored[snapshot.id] ?? [:], orders = rebuilt[snapshot.id] ?? [:]
            for currency in Set(recorded.keys).union(orders.keys).sorted() {
                let total = recorded[currency] ?? Total(), fromOrders = orders[currency] ?? Total()
                if total != fromOrders {
                    problem(snapshot.id, "snapshot_total",
                            "\(currency) is \(total.count) orders summing to \(total.sum), but its orders rebuilt from order_interval are \(fromOrders.count) summing to \(fromOrders.sum)")
                }
            }
            let count = orders.values.reduce(0) { $0 + $1.count }
            if Int64(count) != snapshot.rowCount {
                problem(snapshot.id, "snapshot", "row_count is \(snapshot.rowCount), but its orders rebuilt from order_interval are \(count)")
            }
        }
    }

    /// Checks that the expected head (lowercased) is a link of the chain; `foundAt` is
    /// the snapshot whose link has that hash, if any.
    package mutating func checkExpectedHead(_ expected: String, foundAt: Int64?) {
        if let foundAt {
            verification.expectedHeadSnapshot = SnapshotID(rawValue: foundAt)
        } else {
            let head = verification.head.map { "the chain ends at \($0)" } ?? "the chain is empty"
            verification.problems.append(VerificationProblem(
                snapshotID: nil, table: "snapshot_chain",
                detail: "the expected head \(expected) is not in the chain (\(head)): snapshots it covered were removed or rewritten"))
        }
    }

    /// What was read and found, with the archived files for the caller to check.
    package func finish(archivedFiles: [ArchivedFile]) -> LedgerVerification {
        var result = verification
        result.archivedFiles = archivedFiles
        return result
    }

    mutating func problem(_ snapshotID: Int64, _ table: String, _ detail: String) {
        verification.problems.append(VerificationProblem(snapshotID: SnapshotID(rawValue: snapshotID), table: table,
                                                         detail: detail))
    }
}
