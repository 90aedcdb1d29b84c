import Foundation
import Ledger
import PostgresNIO
import UnpaidCore

extension PostgresLedger {
    /// The roll-forward of one series from the latest snapshot at or before `from` to the
    /// latest at or before `to`, per currency, checked: opening + new − gone ± amount
    /// changes must equal closing. Only intervals that opened or closed between the two
    /// snapshots are read.
    /// - Throws: `AuditError.noSeries`, `.ambiguousSeries`, `.reversedPeriod`,
    ///   `.noSnapshotYet` (nothing at or before `to`), `.rollForwardDoesNotBalance`.
    public func rollForward(organizationID: Int64, job: String?, from: Date, to: Date,
                            detail: Bool) async throws -> RollForward {
        guard from <= to else { throw AuditError.reversedPeriod(from: from, to: to) }
        return try await consistentRead { connection in
            try await Self.rollForward(organizationID: organizationID, job: job, from: from, to: to, detail: detail,
                                       on: connection, logger: logger)
        }
    }

    static func rollForward(organizationID: Int64, job: String?, from: Date, to: Date, detail: Bool,
                            on connection: PostgresConnection, logger: Logger) async throws -> RollForward {
        let series = try await series(organizationID: organizationID, job: job, on: connection, logger: logger)
        func latest(asOf date: Date) async throws -> SnapshotRecord? {
            try await snapshotRecords(snapshotIDs(asOf: date, organizationID: organizationID, job: series.job),
                                      on: connection, logger: logger).first
        }
        guard let closing = try await latest(asOf: to) else {
            throw AuditError.noSnapshotYet(job: series.job, organizationID: organizationID, atOrBefore: to)
        }
        let opening = try await latest(asOf: from)
        // Fetch times and ids normally grow together; a clock set back could cross them.
        let openingID = opening?.id.rawValue ?? 0, closingID = closing.id.rawValue
        guard openingID <= closingID else { throw AuditError.reversedPeriod(from: from, to: to) }
        var movements = RollForwardMovements(collectingDetail: detail)
        if openingID != closingID {
            // Listed at the opening snapshot, closed by the closing one at the latest.
            let leaving = try await connection.query("""
                SELECT order_no, currency, amount_text FROM order_interval
                WHERE series_id = \(series.id) AND closed_by_snapshot_id > \(openingID)
                  AND closed_by_snapshot_id <= \(closingID) AND first_snapshot_id <= \(openingID)
                """, logger: logger)
            for try await (orderNo, currency, amountText) in leaving.decode((String, String, String).self) {
                movements.leave(orderNo, currency: currency, amount: try amount(amountText, orderNo: orderNo, openingID))
            }
            // Listed at the closing snapshot, opened after the opening one.
            let arriving = try await connection.query("""
                SELECT order_no, currency, amount_text FROM order_interval
                WHERE series_id = \(series.id) AND closed_by_snapshot_id > \(closingID)
                  AND first_snapshot_id > \(openingID) AND first_snapshot_id <= \(closingID)
                """, logger: logger)
            for try await (orderNo, currency, amountText) in arriving.decode((String, String, String).self) {
                movements.arrive(orderNo, currency: currency, amount: try amount(amountText, orderNo: orderNo, closingID))
            }
        }
        return RollForward(job: series.job, organizationID: organizationID, opening: opening, closing: closing,
                           lines: try movements.balancedLines(opening: opening, closing: closing))
    }

    private static func amount(_ text: String, orderNo: String, _ snapshot: Int64) throws(AuditError) -> Money {
        guard let amount = try? Money(text) else {
            throw AuditError.unreadableAmount(orderNo: orderNo, snapshot: SnapshotID(rawValue: snapshot), text: text)
        }
        return amount
    }
}
