import Ledger
import UnpaidCore

/// What `ledger copy` proves after committing: the copy answers, snapshot by snapshot and
/// currency by currency, the totals its source answers, under the same ids, ends its chain
/// at the same head, and verifies on its own (its chain and every snapshot's totals rebuilt
/// from the orders it holds), so stored figures that no longer match their orders are not
/// carried over unnoticed. Each side is read through its own backend's queries.
struct LedgerCopyCheck: Equatable {
    /// One snapshot's total in one currency; nil currency for a snapshot without orders.
    struct Key: Hashable, Comparable {
        let snapshotID: Int64
        let currency: String?

        static func < (lhs: Key, rhs: Key) -> Bool {
            (lhs.snapshotID, lhs.currency ?? "") < (rhs.snapshotID, rhs.currency ?? "")
        }
    }

    /// The sum as its exact text: a copy keeps the digits written, not only the value.
    struct Total: Equatable {
        let orders: Int
        let sum: String
    }

    let snapshots: Int
    /// Each difference in words, oldest snapshot first.
    let mismatches: [String]
    let head: ChainHead?

    var holds: Bool { mismatches.isEmpty }

    init(source: [HistoryLine], sourceHead: ChainHead?, target: [HistoryLine], targetHead: ChainHead?,
         targetVerification: LedgerVerification) {
        let expected = Self.totals(source)
        let found = Self.totals(target)
        var mismatches: [String] = []
        for key in Set(expected.keys).union(found.keys).sorted() {
            let name = "snapshot \(key.snapshotID)" + (key.currency.map { " \($0)" } ?? " (no orders)")
            switch (expected[key], found[key]) {
            case let (want?, got?) where want != got:
                mismatches.append("\(name): source \(want.sum) in \(want.orders) orders, copy \(got.sum) in \(got.orders) orders")
            case (_?, nil):
                mismatches.append("\(name): in the source, missing from the copy")
            case (nil, _?):
                mismatches.append("\(name): in the copy, not in the source")
            default:
                break
            }
        }
        if sourceHead != targetHead {
            mismatches.append("chain head: source \(sourceHead.map { "\($0)" } ?? "none"), copy \(targetHead.map { "\($0)" } ?? "none")")
        }
        mismatches += targetVerification.problems.map { "the copy fails verify: \($0)" }
        snapshots = Set(source.map(\.snapshotID)).count
        self.mismatches = mismatches
        head = sourceHead
    }

    private static func totals(_ lines: [HistoryLine]) -> [Key: Total] {
        var totals: [Key: Total] = [:]
        for line in lines {
            totals[Key(snapshotID: line.snapshotID.rawValue, currency: line.currency)] = Total(orders: line.orderCount,
                                                                                              sum: "\(line.total)")
        }
        return totals
    }
}
