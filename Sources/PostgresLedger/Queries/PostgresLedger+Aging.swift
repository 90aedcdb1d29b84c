import Foundation
import Ledger
import PostgresNIO
import UnpaidCore

extension PostgresLedger {
    /// Unpaid amounts by billing start relative to `asOf`, from the latest snapshot of each
    /// series at or before `asOf`: one line per series and currency, by organization, job
    /// and currency, checked against the recorded totals.
    /// - Throws: `AuditError.agingDisagreesWithTotals` when they do not add up.
    public func aging(organizationID: Int64?, job: String?, asOf: Date, buckets: AgingBuckets) async throws -> [AgingLine] {
        try await consistentRead { connection in
            try await Self.aging(organizationID: organizationID, job: job, asOf: asOf, buckets: buckets, on: connection,
                                 logger: logger)
        }
    }

    static func aging(organizationID: Int64?, job: String?, asOf: Date, buckets: AgingBuckets,
                      on connection: PostgresConnection, logger: Logger) async throws -> [AgingLine] {
        guard PostgresText.canStore(job) else { return [] }
        var lines: [AgingLine] = []
        for record in try await snapshotRecords(snapshotIDs(asOf: asOf, organizationID: organizationID, job: job),
                                                on: connection, logger: logger) {
            let seriesID = try await seriesID(of: record.id, on: connection, logger: logger)
            var tally = AgingTally(of: record, asOf: asOf, buckets: buckets)
            let rows = try await connection.query("""
                SELECT currency, amount_text, start_time, order_no FROM order_interval
                WHERE series_id = \(seriesID) AND closed_by_snapshot_id > \(record.id.rawValue)
                  AND first_snapshot_id <= \(record.id.rawValue)
                """, logger: logger)
            for try await (currency, amountText, startTime, orderNo) in rows.decode((String, String, Int64?, String).self) {
                guard let amount = try? Money(amountText) else {
                    throw AuditError.unreadableAmount(orderNo: orderNo, snapshot: record.id, text: amountText)
                }
                tally.add(amount, currency: currency, startTime: startTime)
            }
            lines += try tally.lines()
        }
        return lines
    }
}
