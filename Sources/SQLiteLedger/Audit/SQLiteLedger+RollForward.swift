import Foundation
import GRDB
import Ledger
import UnpaidCore

extension SQLiteLedger {
    /// The roll-forward of one series from the latest snapshot at or before `from` to the
    /// latest at or before `to`, per currency, checked: opening + new − gone ± amount
    /// changes must equal closing, where opening and closing are the recorded totals and
    /// the movements come from the order intervals.
    ///
    /// Only intervals that opened or closed between the two snapshots are read: an order
    /// unchanged over the period is one interval spanning both and moves nothing.
    /// - Parameter job: needed when several jobs fetch the organization.
    /// - Parameter detail: also return the orders behind each movement.
    /// - Throws: `AuditError.noSeries`, `.ambiguousSeries`, `.reversedPeriod`,
    ///   `.noSnapshotYet` (nothing at or before `to`), `.rollForwardDoesNotBalance`.
    public func rollForward(organizationID: Int64, job: String? = nil, from: Date, to: Date,
                            detail: Bool = false) throws -> RollForward {
        guard from <= to else { throw AuditError.reversedPeriod(from: from, to: to) }
        return try pool.read { db in
            let series = try Self.series(organizationID: organizationID, job: job, in: db)
            guard let closingID = try Self.snapshotIDs(asOf: to, organizationID: organizationID, job: series.job,
                                                       in: db).first else {
                throw AuditError.noSnapshotYet(job: series.job, organizationID: organizationID, atOrBefore: to)
            }
            let openingID = try Self.snapshotIDs(asOf: from, organizationID: organizationID, job: series.job, in: db).first
            let closing = try Self.snapshots(where: "s.id = ?", arguments: [closingID], in: db)[0]
            let opening = try openingID.map { try Self.snapshots(where: "s.id = ?", arguments: [$0], in: db)[0] }
            // Fetch times and ids normally grow together; a clock set back could cross them.
            guard (openingID ?? 0) <= closingID else { throw AuditError.reversedPeriod(from: from, to: to) }
            var movements = RollForwardMovements(collectingDetail: detail)
            try movements.read(seriesID: series.id, opening: openingID ?? 0, closing: closingID, in: db)
            let lines = try movements.lines(opening: opening?.totals ?? [:], closing: closing.totals).map { line in
                guard line.balances else {
                    throw AuditError.rollForwardDoesNotBalance(
                        job: series.job, organizationID: organizationID, currency: line.currency,
                        opening: line.opening, new: line.new, gone: line.gone, amountChanges: line.amountChanges,
                        closing: line.closing)
                }
                return line
            }
            return RollForward(job: series.job, organizationID: organizationID, opening: opening, closing: closing,
                               lines: lines)
        }
    }

    /// The one series of the organization (and job, when given).
    static func series(organizationID: Int64, job: String?, in db: Database) throws -> (id: Int64, job: String) {
        let rows = try Row.fetchAll(db, sql: """
            SELECT id, job FROM series WHERE organization_id = ?1 AND (?2 IS NULL OR job = ?2) ORDER BY job
            """, arguments: [organizationID, job])
        guard let first = rows.first else { throw AuditError.noSeries(organizationID: organizationID, job: job) }
        guard rows.count == 1 else {
            throw AuditError.ambiguousSeries(organizationID: organizationID, jobs: rows.map { $0["job"] })
        }
        return (first["id"], first["job"])
    }
}

extension RollForwardLine {
    /// opening + new − gone ± changes = closing, in orders and in money.
    public var balances: Bool {
        opening.count + new.count - gone.count == closing.count
            && opening.sum + new.sum - gone.sum + amountChanges.sum == closing.sum
    }
}

/// The orders that moved between two snapshots of a series, per currency.
private struct RollForwardMovements {
    let collectingDetail: Bool
    private(set) var new: [String: Total] = [:]
    private(set) var gone: [String: Total] = [:]
    private(set) var changes: [String: Total] = [:]
    private(set) var detail: [String: [RollForwardOrder]] = [:]

    init(collectingDetail: Bool) { self.collectingDetail = collectingDetail }

    mutating func read(seriesID: Int64, opening: Int64, closing: Int64, in db: Database) throws {
        guard opening != closing else { return }
        // Listed at the opening snapshot, closed by the closing one at the latest.
        var left: [String: (currency: String, amount: Money)] = [:]
        let leaving = try RawStatement(db.makeStatement(sql: """
            SELECT order_no, currency, amount_text FROM order_interval
            WHERE series_id = ?1 AND closed_by_snapshot_id > ?2 AND closed_by_snapshot_id <= ?3
              AND first_snapshot_id <= ?2
            """), in: db)
        leaving.bind(seriesID, at: 1)
        leaving.bind(opening, at: 2)
        leaving.bind(closing, at: 3)
        while try leaving.step() {
            let orderNo = String(decoding: leaving.text(at: 0), as: UTF8.self)
            left[orderNo] = (String(decoding: leaving.text(at: 1), as: UTF8.self),
                             try Self.amount(leaving, orderNo: orderNo, snapshot: opening))
        }
        // Listed at the closing snapshot, opened after the opening one.
        let arriving = try RawStatement(db.makeStatement(sql: """
            SELECT order_no, currency, amount_text FROM order_interval
            WHERE series_id = ?1 AND closed_by_snapshot_id > ?3 AND first_snapshot_id > ?2
              AND first_snapshot_id <= ?3
            """), in: db)
        arriving.bind(seriesID, at: 1)
        arriving.bind(opening, at: 2)
        arriving.bind(closing, at: 3)
        while try arriving.step() {
            let orderNo = String(decoding: arriving.text(at: 0), as: UTF8.self)
            let currency = String(decoding: arriving.text(at: 1), as: UTF8.self)
            let amount = try Self.amount(arriving, orderNo: orderNo, snapshot: closing)
            guard let before = left.removeValue(forKey: orderNo) else {
                add(.new, orderNo, currency, before: nil, after: amount)
                continue
            }
            if before.currency != currency {
                // Another currency: the order leaves one total and joins another.
                add(.gone, orderNo, before.currency, before: before.amount, after: nil)
                add(.new, orderNo, currency, before: nil, after: amount)
            } else if before.amount != amount {
                add(.amountChange, orderNo, currency, before: before.amount, after: amount)
            }
        }
        for (orderNo, before) in left { add(.gone, orderNo, before.currency, before: before.amount, after: nil) }
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

    func lines(opening: [String: Total], closing: [String: Total]) -> [RollForwardLine] {
        let currencies = Set(opening.keys).union(closing.keys).union(new.keys).union(gone.keys).union(changes.keys)
        return currencies.sorted().map { currency in
            RollForwardLine(currency: currency, opening: opening[currency] ?? Total(), new: new[currency] ?? Total(),
                            gone: gone[currency] ?? Total(), amountChanges: changes[currency] ?? Total(),
                            closing: closing[currency] ?? Total(),
                            detail: collectingDetail
                                ? (detail[currency] ?? []).sorted { ($0.orderNo, $0.movement.rawValue) < ($1.orderNo, $1.movement.rawValue) }
                                : nil)
        }
    }

    private static func amount(_ row: RawStatement, orderNo: String, snapshot: Int64) throws -> Money {
        guard let money = Money(decimalBytes: row.text(at: 2)) else {
            throw AuditError.unreadableAmount(orderNo: orderNo, snapshot: SnapshotID(rawValue: snapshot),
                                              text: String(decoding: row.text(at: 2), as: UTF8.self))
        }
        return money
    }
}
