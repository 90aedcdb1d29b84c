import UnpaidCore

extension LedgerAudit {
    /// A `snapshot_diff` row's link to the snapshot it compared with.
    package struct DiffLink: Sendable {
        package var snapshotID: Int64
        package var previousSnapshotID: Int64?

        package init(snapshotID: Int64, previousSnapshotID: Int64?) {
            self.snapshotID = snapshotID
            self.previousSnapshotID = previousSnapshotID
        }
    }

    /// A `snapshot_change` row, its amounts as stored.
    package struct ChangeRow: Sendable {
        package var snapshotID: Int64
        package var currency: String
        package var beforeCount: Int64
        package var beforeSumText: String
        package var afterCount: Int64
        package var afterSumText: String
        package var deltaText: String
        package var newOrders: Int64
        package var goneOrders: Int64
        package var changedOrders: Int64

        package init(snapshotID: Int64, currency: String, beforeCount: Int64, beforeSumText: String, afterCount: Int64,
                     afterSumText: String, deltaText: String, newOrders: Int64, goneOrders: Int64, changedOrders: Int64) {
            self.snapshotID = snapshotID
            self.currency = currency
            self.beforeCount = beforeCount
            self.beforeSumText = beforeSumText
            self.afterCount = afterCount
            self.afterSumText = afterSumText
            self.deltaText = deltaText
            self.newOrders = newOrders
            self.goneOrders = goneOrders
            self.changedOrders = changedOrders
        }
    }

    /// Each diff must compare its snapshot with the previous one of its series.
    package mutating func checkDiffs(_ links: [DiffLink]) {
        var previousInSeries: [Int64: Int64] = [:], last: [Int64: Int64] = [:]
        for snapshot in snapshots {
            if let previous = last[snapshot.seriesID] { previousInSeries[snapshot.id] = previous }
            last[snapshot.seriesID] = snapshot.id
        }
        for link in links.sorted(by: { $0.snapshotID < $1.snapshotID }) {
            let id = link.snapshotID, previous = link.previousSnapshotID
            if previous != previousInSeries[id] {
                problem(id, "snapshot_diff",
                        "previous_snapshot_id is \(previous.map(String.init) ?? "NULL"), but the previous snapshot of its series is \(previousInSeries[id].map(String.init) ?? "none")")
            }
            if let previous { compared[id] = previous }
        }
    }

    /// Every change row against the orders rebuilt from the intervals on both sides; and
    /// every currency whose orders moved must have one. `rows` by snapshot, then currency.
    package mutating func checkChangeRows(_ rows: [ChangeRow]) {
        struct CurrencyOfSnapshot: Hashable { var snapshotID: Int64, currency: String }
        var seen = Set<CurrencyOfSnapshot>()
        for row in rows {
            let id = row.snapshotID, currency = row.currency
            guard let previous = compared[id] else {
                problem(id, "snapshot_change", "\(currency) has a change row, but the snapshot was not compared with a previous one")
                continue
            }
            seen.insert(CurrencyOfSnapshot(snapshotID: id, currency: currency))
            let before = rebuilt[previous]?[currency] ?? Total(), after = rebuilt[id]?[currency] ?? Total()
            func expect(_ column: String, _ stored: String, _ expected: String) {
                // Compared as values: the ledger stores canonical text, but a value is what it means.
                let same = (try? Money(stored)).map { $0 == (try? Money(expected)) } ?? (stored == expected)
                if !same {
                    problem(id, "snapshot_change",
                            "\(currency) \(column) is \(stored), but the orders rebuilt from order_interval give \(expected)")
                }
            }
            expect("before_count", String(row.beforeCount), String(before.count))
            expect("before_sum_text", row.beforeSumText, before.sum.description)
            expect("after_count", String(row.afterCount), String(after.count))
            expect("after_sum_text", row.afterSumText, after.sum.description)
            expect("delta_text", row.deltaText, (after.sum - before.sum).description)
            for (kind, column, stored) in [(SeriesAudit.MoveKind.new, "new_orders", row.newOrders),
                                           (.gone, "gone_orders", row.goneOrders),
                                           (.changed, "changed_orders", row.changedOrders)] {
                let count = moves[SeriesAudit.MoveKey(snapshotID: id, currency: currency, kind: kind)]?.count ?? 0
                expect(column, String(stored), String(count))
            }
        }
        for (key, moved) in moves.sorted(by: { Self.precedes($0.key, $1.key) }) {
            guard compared[key.snapshotID] != nil, moved.count > 0,
                  !seen.contains(CurrencyOfSnapshot(snapshotID: key.snapshotID, currency: key.currency)) else { continue }
            problem(key.snapshotID, "snapshot_change",
                    "\(key.currency) has no change row, but \(moved.count) of its orders are \(key.kind.rawValue) in order_interval")
        }
    }

    /// One stored `snapshot_change_order` row, in any order; amounts as stored text.
    package mutating func addChangeOrder(snapshotID: Int64, currency: String, orderNo: UnsafeBufferPointer<UInt8>,
                                         change: String, before: String?, after: String?) {
        guard let kind = SeriesAudit.MoveKind(rawValue: change) else { return }
        storedMoves[SeriesAudit.MoveKey(snapshotID: snapshotID, currency: currency, kind: kind), default: .init()]
            .add(orderNo: orderNo, before: before.flatMap { try? Money($0) }, after: after.flatMap { try? Money($0) })
    }

    /// The stored change orders, summed per snapshot, currency and kind, against the
    /// moves the intervals show.
    package mutating func finishChangeOrders() {
        let keys = Set(storedMoves.keys).union(moves.keys.filter { compared[$0.snapshotID] != nil })
        for key in keys.sorted(by: Self.precedes) {
            let recorded = storedMoves[key] ?? .init(), expected = moves[key] ?? .init()
            guard recorded != expected else { continue }
            let what = recorded.count == expected.count && recorded.before == expected.before && recorded.after == expected.after
                ? "the same count and amounts but other order numbers" : "\(expected.count) orders (before \(expected.before), after \(expected.after))"
            problem(key.snapshotID, "snapshot_change_order",
                    "\(key.currency) \(key.kind.rawValue) orders: \(recorded.count) rows (before \(recorded.before), after \(recorded.after)), but order_interval gives \(what)")
        }
    }

    private static func precedes(_ a: SeriesAudit.MoveKey, _ b: SeriesAudit.MoveKey) -> Bool {
        (a.snapshotID, a.currency, a.kind.rawValue) < (b.snapshotID, b.currency, b.kind.rawValue)
    }
}
