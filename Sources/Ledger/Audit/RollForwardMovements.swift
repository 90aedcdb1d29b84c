import UnpaidCore

/// The orders that moved between the opening and the closing snapshot of a series, per
/// currency, from the intervals a backend reads: those that left (listed at the opening,
/// closed by the closing snapshot at the latest), then those that arrived (listed at the
/// closing, opened after the opening).
package struct RollForwardMovements {
    private let collectingDetail: Bool
    private var left: [String: (currency: String, amount: Money)] = [:]
    private var new: [String: Total] = [:]
    private var gone: [String: Total] = [:]
    private var changes: [String: Total] = [:]
    private var detail: [String: [RollForwardOrder]] = [:]

    package init(collectingDetail: Bool) { self.collectingDetail = collectingDetail }

    /// An order listed at the opening snapshot whose interval closed by the closing one.
    /// Every leaving order comes before the first arriving one.
    package mutating func leave(_ orderNo: String, currency: String, amount: Money) {
        left[orderNo] = (currency, amount)
    }

    /// An order listed at the closing snapshot whose interval opened after the opening one.
    package mutating func arrive(_ orderNo: String, currency: String, amount: Money) {
        guard let before = left.removeValue(forKey: orderNo) else {
            add(.new, orderNo, currency, before: nil, after: amount)
            return
        }
        if before.currency != currency {
            // Another currency: the order leaves one total and joins another.
            add(.gone, orderNo, before.currency, before: before.amount, after: nil)
            add(.new, orderNo, currency, before: nil, after: amount)
        } else if before.amount != amount {
            add(.amountChange, orderNo, currency, before: before.amount, after: amount)
        }
    }

    private mutating func add(_ movement: RollForwardOrder.Movement, _ orderNo: String, _ currency: String,
                              before: Money?, after: Money?) {
        switch movement {
        case .new: new[currency, default: Total()].add(after!)
        case .gone: gone[currency, default: Total()].add(before!)
        case .amountChange: changes[currency, default: Total()].add(after! - before!)
        }
        if collectingDetail {
            detail[currency, default: []].append(RollForwardOrder(orderNo: orderNo, movement: movement,
                                                                  before: before, after: after))
        }
    }

    /// The lines, by currency, once every movement was read; the orders that left and did
    /// not arrive again are gone.
    /// - Throws: `AuditError.rollForwardDoesNotBalance` for the first line that does not.
    package func balancedLines(opening openingRecord: SnapshotRecord?,
                               closing closingRecord: SnapshotRecord) throws(AuditError) -> [RollForwardLine] {
        var movements = self
        for (orderNo, before) in left { movements.add(.gone, orderNo, before.currency, before: before.amount, after: nil) }
        let opening = openingRecord?.totals ?? [:], closing = closingRecord.totals
        let currencies = Set(opening.keys).union(closing.keys).union(movements.new.keys).union(movements.gone.keys)
            .union(movements.changes.keys)
        var lines: [RollForwardLine] = []
        for currency in currencies.sorted() {
            let line = RollForwardLine(
                currency: currency, opening: opening[currency] ?? Total(), new: movements.new[currency] ?? Total(),
                gone: movements.gone[currency] ?? Total(), amountChanges: movements.changes[currency] ?? Total(),
                closing: closing[currency] ?? Total(),
                detail: collectingDetail
                    ? (movements.detail[currency] ?? []).sorted {
                        ($0.orderNo, $0.movement.rawValue) < ($1.orderNo, $1.movement.rawValue)
                    }
                    : nil)
            guard line.balances else {
                throw AuditError.rollForwardDoesNotBalance(
                    job: closingRecord.job, organizationID: closingRecord.organizationID, currency: currency,
                    opening: line.opening, new: line.new, gone: line.gone, amountChanges: line.amountChanges,
                    closing: line.closing)
            }
            lines.append(line)
        }
        return lines
    }
}

extension RollForwardLine {
    /// opening + new − gone ± changes = closing, in orders and in money.
    public var balances: Bool {
        opening.count + new.count - gone.count == closing.count
            && opening.sum + new.sum - gone.sum + amountChanges.sum == closing.sum
    }
}
