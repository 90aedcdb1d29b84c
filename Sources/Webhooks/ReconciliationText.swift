import UnpaidCore

/// Both figures of a reconciliation, for people: the export's and each `GetOrderAmount` answer.
public enum ReconciliationText {
    public static func lines(_ reconciliation: Reconciliation) -> [String] {
        let amount = reconciliation.exportAmount.map { "\($0)" } ?? "several currencies (amount not comparable)"
        var lines = ["Reconciliation: \(reconciliation.status.rawValue)",
                     "Export: \(reconciliation.exportCount) orders, \(amount)",
                     "GetOrderAmount before: \(reading(reconciliation.before)); after: \(reading(reconciliation.after))"]
        if let reason = reconciliation.reason { lines.append("Reason: \(reason)") }
        return lines
    }

    public static func reading(_ reading: AmountReading) -> String {
        switch reading {
        case .answered(let answer): "\(answer.count) orders, \(answer.amount)"
        case .unavailable(let failure): "unavailable (\(failure.reason))"
        }
    }
}

/// The machine-readable figures of a mismatch alert.
struct ReconciliationData: Encodable {
    var status: String
    var exportCount: Int64
    /// Nil when the export holds several currencies.
    var exportAmount: Money?
    var apiCountBefore: Int64?
    var apiAmountBefore: Money?
    var apiCountAfter: Int64?
    var apiAmountAfter: Money?
    var reason: String?

    init(_ reconciliation: Reconciliation) {
        status = reconciliation.status.rawValue
        exportCount = reconciliation.exportCount
        exportAmount = reconciliation.exportAmount
        apiCountBefore = reconciliation.before.answer?.count
        apiAmountBefore = reconciliation.before.answer?.amount
        apiCountAfter = reconciliation.after.answer?.count
        apiAmountAfter = reconciliation.after.answer?.amount
        reason = reconciliation.reason
    }
}
