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
        let rows = try await connection.query("""
            SELECT status, export_count, export_amount_text,
                   before_count, before_amount_text, before_request_id, before_error,
                   after_count, after_amount_text, after_request_id, after_error, refetched, reason
            FROM snapshot_reconciliation WHERE snapshot_id = \(snapshotID.rawValue)
            """, logger: logger)
        typealias Columns = (String, Int64, String?, Int64?, String?, String?, String?, Int64?, String?, String?, String?,
                             Int32, String?)
        for try await (statusText, exportCount, exportAmount, beforeCount, beforeAmount, beforeRequest, beforeError,
                       afterCount, afterAmount, afterRequest, afterError, refetched, reason) in rows.decode(Columns.self) {
            func corrupt(_ column: String, _ value: String) -> LedgerError {
                .corruptValue(table: "snapshot_reconciliation", rowID: snapshotID.rawValue, column: column, value: value)
            }
            func money(_ text: String?, _ column: String) throws -> Money? {
                guard let text else { return nil }
                guard let amount = try? Money(text) else { throw corrupt(column, text) }
                return amount
            }
            func reading(_ prefix: String, _ count: Int64?, _ amount: String?, _ requestID: String?,
                         _ error: String?) throws -> AmountReading {
                if let count, let amount = try money(amount, "\(prefix)_amount_text") {
                    return .answered(AmountAnswer(count: count, amount: amount, requestID: requestID))
                }
                return .unavailable(AmountUnavailable(reason: error ?? "", actionRefused: false, requestID: requestID))
            }
            guard let status = ReconciliationStatus(rawValue: statusText) else { throw corrupt("status", statusText) }
            return Reconciliation(
                status: status, exportCount: exportCount, exportAmount: try money(exportAmount, "export_amount_text"),
                before: try reading("before", beforeCount, beforeAmount, beforeRequest, beforeError),
                after: try reading("after", afterCount, afterAmount, afterRequest, afterError),
                refetched: refetched != 0, reason: reason)
        }
        return nil
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
