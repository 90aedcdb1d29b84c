/// Compares an export with the two readings of `GetOrderAmount` taken around it. Pure.
///
/// Both sources describe the current unpaid state, which may move while the file is
/// generated, so the export is good when it agrees with either reading. The count is
/// always compared; the amount only when the export holds a single currency (or none),
/// exactly, as decimals (`1.50` equals `1.5`).
public enum Reconciler {
    public static func reconcile(_ export: ExportFigures, before: AmountReading, after: AmountReading,
                                 refetched: Bool = false) -> Reconciliation {
        let amount = export.comparableAmount
        func outcome(_ status: ReconciliationStatus, _ reason: String?) -> Reconciliation {
            Reconciliation(status: status, exportCount: export.count, exportAmount: amount, before: before,
                           after: after, refetched: refetched, reason: reason)
        }
        let answers = [before.answer, after.answer].compactMap { $0 }
        guard !answers.isEmpty else {
            let failures = [before.failure, after.failure].compactMap { $0 }
            let reasons = failures.map(\.reason).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            return outcome(.unavailable, reasons.joined(separator: "; "))
        }
        if answers.contains(where: { agrees(export, amount, $0) }) {
            return outcome(amount == nil ? .notComparable : .reconciled, nil)
        }
        let difference = describe(export, amount, answers.last!)
        if answers.count == 2, !sameFigures(answers[0], answers[1]) {
            return outcome(.movedDuringFetch, "the unpaid state moved during the fetch "
                + "(\(answers[0].count) orders, \(answers[0].amount) before; \(answers[1].count), \(answers[1].amount) after) "
                + "and the export matches neither: \(difference)")
        }
        return outcome(.mismatch, difference)
    }

    /// True when the export should be fetched once more: it moved during this fetch.
    public static func shouldRefetch(_ reconciliation: Reconciliation) -> Bool {
        reconciliation.status == .movedDuringFetch && !reconciliation.refetched
    }

    static func agrees(_ export: ExportFigures, _ amount: Money?, _ answer: AmountAnswer) -> Bool {
        answer.count == export.count && (amount.map { $0 == answer.amount } ?? true)
    }

    private static func sameFigures(_ a: AmountAnswer, _ b: AmountAnswer) -> Bool {
        a.count == b.count && a.amount == b.amount
    }

    private static func describe(_ export: ExportFigures, _ amount: Money?, _ answer: AmountAnswer) -> String {
        var parts = ["export \(export.count) orders, GetOrderAmount \(answer.count)"]
        if let amount {
            if amount != answer.amount { parts.append("export total \(amount), GetOrderAmount \(answer.amount)") }
        } else {
            parts.append("amount not comparable (\(export.totals.keys.sorted().joined(separator: ", ")))")
        }
        return parts.joined(separator: "; ")
    }
}
