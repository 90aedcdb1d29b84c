/// How a snapshot's export compares with the second source, `GetOrderAmount`.
public enum ReconciliationStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Count and exact amount agree with one of the two answers.
    case reconciled
    /// The export holds several currencies, so the API's single amount cannot be compared;
    /// the count agrees with one of the two answers. The most that can be checked.
    case notComparable = "not-comparable"
    /// The two answers differ and the export matches neither: the unpaid state moved while
    /// the file was generated. Recorded only when it moved again on the one refetch.
    case movedDuringFetch = "moved"
    /// The sources disagree and nothing moved.
    case mismatch
    /// The second source gave no answer to compare with; the snapshot stands on its own.
    case unavailable

    /// True when the export was found to agree with the second source.
    public var agrees: Bool { self == .reconciled || self == .notComparable }
}

/// What `GetOrderAmount` answered for a window and filters: `UnpaidCount` and the exact
/// `UnpaidAmount`, across every currency (the API has no per-currency split).
public struct AmountAnswer: Sendable, Hashable, Codable {
    public var count: Int64
    public var amount: Money
    /// `X-UCLOUD-REQUEST-UUID`, for support.
    public var requestID: String?

    public init(count: Int64, amount: Money, requestID: String?) {
        self.count = count
        self.amount = amount
        self.requestID = requestID
    }
}

/// Why `GetOrderAmount` gave no answer.
public struct AmountUnavailable: Sendable, Hashable, Codable, CustomStringConvertible {
    public var reason: String
    /// The API does not offer the action (an unknown-action RetCode): the same for every
    /// organization, so it is said once per run.
    public var actionRefused: Bool
    public var requestID: String?

    public init(reason: String, actionRefused: Bool = false, requestID: String? = nil) {
        self.reason = reason
        self.actionRefused = actionRefused
        self.requestID = requestID
    }

    public var description: String { reason }
}

/// One call to the second source: its answer or why there is none.
public enum AmountReading: Sendable, Hashable, Codable {
    case answered(AmountAnswer)
    case unavailable(AmountUnavailable)

    public var answer: AmountAnswer? {
        if case .answered(let answer) = self { return answer }
        return nil
    }

    public var failure: AmountUnavailable? {
        if case .unavailable(let failure) = self { return failure }
        return nil
    }
}

/// The export's side of the comparison: its order count and per-currency exact totals.
public struct ExportFigures: Sendable, Hashable {
    public var count: Int64
    public var totals: [String: Money]

    public init(count: Int64, totals: [String: Money]) {
        self.count = count
        self.totals = totals
    }

    /// From a snapshot's per-currency totals.
    public init(_ totals: [String: Total]) {
        self.init(count: Int64(totals.values.reduce(0) { $0 + $1.count }), totals: totals.mapValues(\.sum))
    }

    /// The one amount comparable with `UnpaidAmount`: the total of a single-currency export,
    /// zero for an empty one, nil when several currencies add up to no meaningful number.
    public var comparableAmount: Money? {
        switch totals.count {
        case 0: .zero
        case 1: totals.first!.value
        default: nil
        }
    }
}

/// The outcome recorded with a snapshot: the status, the export's figures and both
/// readings of the second source (right before the export request, right after the download).
public struct Reconciliation: Sendable, Hashable, Codable {
    public var status: ReconciliationStatus
    public var exportCount: Int64
    /// Nil when the export holds several currencies.
    public var exportAmount: Money?
    public var before: AmountReading
    public var after: AmountReading
    /// The export was fetched a second time because the first one moved during the fetch.
    public var refetched: Bool
    /// Why it is not reconciled, in words for the log, the ledger and `history`.
    public var reason: String?

    public init(status: ReconciliationStatus, exportCount: Int64, exportAmount: Money?, before: AmountReading,
                after: AmountReading, refetched: Bool, reason: String?) {
        self.status = status
        self.exportCount = exportCount
        self.exportAmount = exportAmount
        self.before = before
        self.after = after
        self.refetched = refetched
        self.reason = reason
    }

    /// The answer the export is compared with for messages: the later one when there is one.
    public var latestAnswer: AmountAnswer? { after.answer ?? before.answer }
}
