import UnpaidCore

/// What one walk over a series' intervals proves or finds: the chain digests of each
/// snapshot, the totals each snapshot opened and closed, the orders that moved at each
/// snapshot, and intervals that cannot be right. Backends feed it their walk in order
/// number byte order, an order's intervals together, the earlier closing first.
package struct SeriesAudit {
    package enum MoveKind: String, Sendable, CaseIterable { case new, gone, changed }

    package struct MoveKey: Hashable {
        package var snapshotID: Int64
        package var currency: String
        package var kind: MoveKind

        package init(snapshotID: Int64, currency: String, kind: MoveKind) {
            self.snapshotID = snapshotID
            self.currency = currency
            self.kind = kind
        }
    }

    /// Moves compared as aggregates: count, sums and a fingerprint of the order numbers.
    package struct MoveAggregate: Equatable {
        package var count = 0
        package var before = Money.zero
        package var after = Money.zero
        var fingerprint: UInt64 = 0

        package init() {}

        package mutating func add(orderNo: UnsafeBufferPointer<UInt8>, before: Money?, after: Money?) {
            count += 1
            if let before { self.before += before }
            if let after { self.after += after }
            fingerprint &+= Self.fnv1a(orderNo)
        }

        package static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.count == rhs.count && lhs.before == rhs.before && lhs.after == rhs.after && lhs.fingerprint == rhs.fingerprint
        }

        static func fnv1a(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            return hash
        }
    }

    private struct GroupedInterval {
        var first: Int64
        var closedBy: Int64
        var currency: String
        var amount: Money
    }

    package let seriesID: Int64
    package let snapshots: Set<Int64>
    package private(set) var digests = DigestCollector()
    package private(set) var opened: [Int64: [String: Total]] = [:]
    package private(set) var closed: [Int64: [String: Total]] = [:]
    package private(set) var moves: [MoveKey: MoveAggregate] = [:]
    package private(set) var problems: [VerificationProblem] = []
    package private(set) var intervals = 0
    private var groupOrderNo: [UInt8] = []
    private var group: [GroupedInterval] = []

    package init(seriesID: Int64, snapshots: Set<Int64>) {
        self.seriesID = seriesID
        self.snapshots = snapshots
    }

    package mutating func add(_ row: IntervalFields) {
        intervals += 1
        digests.add(row)
        let orderNo = row.orderNo
        if !orderNo.elementsEqual(groupOrderNo) {
            finishGroup()
            groupOrderNo = Array(orderNo)
        }
        let first = row.firstSnapshotID, closedBy = row.closedBy
        let isOpen = row.isOpen
        if !snapshots.contains(first) {
            problem(first, "order \(text(orderNo)) is opened by snapshot \(first), which is not a snapshot of its series \(seriesID)")
        }
        if !isOpen && (!snapshots.contains(closedBy) || closedBy <= first) {
            problem(first, "order \(text(orderNo)) opened by snapshot \(first) is closed by snapshot \(closedBy), which is not a later snapshot of its series")
        }
        guard let amount = Money(decimalBytes: row.amountText) else {
            return problem(first, "order \(text(orderNo)) has the amount \"\(text(row.amountText))\", which is not a decimal")
        }
        let currency = text(row.currency)
        opened[first, default: [:]][currency, default: Total()].add(amount)
        if !isOpen { closed[closedBy, default: [:]][currency, default: Total()].add(amount) }
        group.append(GroupedInterval(first: first, closedBy: closedBy, currency: currency, amount: amount))
    }

    package mutating func finish() {
        finishGroup()
    }

    /// One order's intervals: they must not overlap, and each boundary between them is a
    /// move of the snapshot there (as the interval writer's walk saw it).
    private mutating func finishGroup() {
        guard !group.isEmpty else { return }
        defer { group.removeAll(keepingCapacity: true) }
        let byFirst = group.sorted { $0.first < $1.first }
        for (earlier, later) in zip(byFirst, byFirst.dropFirst()) where later.first < earlier.closedBy {
            problem(later.first, "order \(String(decoding: groupOrderNo, as: UTF8.self)) has two intervals present at snapshot \(later.first)")
        }
        let orderNumber = groupOrderNo
        orderNumber.withUnsafeBufferPointer { orderNo in
            for closing in group where closing.closedBy != IntervalFields.open {
                guard let reopening = group.first(where: { $0.first == closing.closedBy }) else {
                    addMove(closing.closedBy, closing.currency, .gone, orderNo, before: closing.amount, after: nil)
                    continue
                }
                if reopening.currency != closing.currency {
                    addMove(closing.closedBy, closing.currency, .gone, orderNo, before: closing.amount, after: nil)
                    addMove(reopening.first, reopening.currency, .new, orderNo, before: nil, after: reopening.amount)
                } else if reopening.amount != closing.amount {
                    addMove(closing.closedBy, closing.currency, .changed, orderNo, before: closing.amount,
                            after: reopening.amount)
                }
            }
            for opening in group where !group.contains(where: { $0.closedBy == opening.first }) {
                addMove(opening.first, opening.currency, .new, orderNo, before: nil, after: opening.amount)
            }
        }
    }

    private mutating func addMove(_ snapshotID: Int64, _ currency: String, _ kind: MoveKind,
                                  _ orderNo: UnsafeBufferPointer<UInt8>, before: Money?, after: Money?) {
        moves[MoveKey(snapshotID: snapshotID, currency: currency, kind: kind), default: MoveAggregate()]
            .add(orderNo: orderNo, before: before, after: after)
    }

    private mutating func problem(_ snapshotID: Int64, _ detail: String) {
        problems.append(VerificationProblem(snapshotID: SnapshotID(rawValue: snapshotID), table: "order_interval",
                                            detail: detail))
    }

    private func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }
}

extension Total {
    package mutating func add(_ other: Total) {
        count += other.count
        sum += other.sum
    }

    package mutating func remove(_ other: Total) {
        count -= other.count
        sum = sum - other.sum
    }
}
