import Foundation
import Ledger
import PostgresNIO
import UnpaidCore

/// `snapshot_reconciliation` rows, written and read as `SQLiteLedger` does.
enum PostgresReconciliationRows {
    static func insert(_ reconciliation: Reconciliation, snapshotID: SnapshotID, on connection: PostgresConnection,
                       logger: Logger) async throws {
        let before = Side(reconciliation.before), after = Side(reconciliation.after)
        _ = try await connection.query("""
            INSERT INTO snapshot_reconciliation (snapshot_id, status, export_count, export_amount_text,
                before_count, before_amount_text, before_request_id, before_error,
                after_count, after_amount_text, after_request_id, after_error, refetched, reason)
            VALUES (\(snapshotID.rawValue), \(reconciliation.status.rawValue), \(reconciliation.exportCount),
                    \(reconciliation.exportAmount?.description),
                    \(before.count), \(before.amount), \(before.requestID), \(before.error),
                    \(after.count), \(after.amount), \(after.requestID), \(after.error),
                    \(Int32(reconciliation.refetched ? 1 : 0)), \(reconciliation.reason))
            """, logger: logger)
    }

    static func reconciliation(of snapshotID: SnapshotID, on connection: PostgresConnection,
                               logger: Logger) async throws -> Reconciliation? {
        try await PostgresLedger.rows("SELECT * FROM snapshot_reconciliation WHERE snapshot_id = \(snapshotID.rawValue)",
                                      on: connection, logger: logger).first.map(decode)
    }

    /// A row holding the columns of `snapshot_reconciliation` (and whatever else its query
    /// selected, as `unreconciledSnapshots` does).
    static func decode(_ row: PostgresRandomAccessRow) throws -> Reconciliation {
        let snapshotID: Int64 = try row.value("snapshot_id")
        let table = "snapshot_reconciliation"
        func reading(_ prefix: String) throws -> AmountReading {
            let requestID: String? = try row.value("\(prefix)_request_id")
            if let count = try row.value("\(prefix)_count", as: Int64?.self),
               let amount = try row.optionalMoney("\(prefix)_amount_text", table: table, rowID: snapshotID) {
                return .answered(AmountAnswer(count: count, amount: amount, requestID: requestID))
            }
            let error = try row.value("\(prefix)_error", as: String?.self) ?? ""
            return .unavailable(AmountUnavailable(reason: error, actionRefused: false, requestID: requestID))
        }
        let statusText: String = try row.value("status")
        guard let status = ReconciliationStatus(rawValue: statusText) else {
            throw LedgerError.corruptValue(table: table, rowID: snapshotID, column: "status", value: statusText)
        }
        return Reconciliation(status: status, exportCount: try row.value("export_count"),
                              exportAmount: try row.optionalMoney("export_amount_text", table: table, rowID: snapshotID),
                              before: try reading("before"), after: try reading("after"),
                              refetched: try row.value("refetched", as: Int32.self) != 0, reason: try row.value("reason"))
    }

    /// The four columns of one side of the comparison.
    private struct Side {
        var count: Int64?
        var amount: String?
        var requestID: String?
        var error: String?

        init(_ reading: AmountReading) {
            switch reading {
            case .answered(let answer): self.init(count: answer.count, amount: answer.amount.description,
                                                  requestID: answer.requestID, error: nil)
            case .unavailable(let failure): self.init(count: nil, amount: nil, requestID: failure.requestID,
                                                      error: failure.reason)
            }
        }

        private init(count: Int64?, amount: String?, requestID: String?, error: String?) {
            self.count = count
            self.amount = amount
            self.requestID = requestID
            self.error = error
        }
    }
}
