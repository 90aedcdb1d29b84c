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
            try Self.readMovements(into: &movements, seriesID: series.id, opening: openingID ?? 0, closing: closingID,
                                   in: db)
            let lines = try movements.balancedLines(opening: opening, closing: closing)
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

extension SQLiteLedger {
    /// Reads the intervals that opened or closed between the two snapshots into `movements`.
    private static func readMovements(into movements: inout RollForwardMovements, seriesID: Int64, opening: Int64,
                                      closing: Int64, in db: Database) throws {
        guard opening != closing else { return }
        // Listed at the opening snapshot, closed by the closing one at the latest.
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
            movements.leave(orderNo, currency: String(decoding: leaving.text(at: 1), as: UTF8.self),
                            amount: try amount(leaving, orderNo: orderNo, snapshot: opening))
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
            movements.arrive(orderNo, currency: String(decoding: arriving.text(at: 1), as: UTF8.self),
                             amount: try amount(arriving, orderNo: orderNo, snapshot: closing))
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
