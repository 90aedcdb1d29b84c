/// A misbehaviour of the simulated cloud, armed for the next N matching requests.
public enum SimulatorFault: String, Sendable, Hashable, CaseIterable, Codable {
    /// API answers RetCode 153 (throttled).
    case throttle
    /// HTTP 429 with `Retry-After: 1`.
    case http429 = "http-429"
    /// HTTP 503.
    case http5xx = "http-5xx"
    /// Download: announces the full Content-Length, sends about half, closes the connection.
    case dropMidBody = "drop-mid-body"
    /// Download: 403 as if the presigned URL had expired.
    case expiredURL = "expired-url"
    /// API: reports FileSize one byte larger than the file.
    case wrongFileSize = "wrong-file-size"
    /// Download: garbled bytes served with the right length.
    case corruptZip = "corrupt-zip"
    /// GetOrderAmount: answers one order and 1.00 more than the data holds.
    case amountDisagree = "amount-disagree"
    /// GetOrderAmount: refused with RetCode 161, as by an API that does not offer the action.
    case refuseAmount = "refuse-amount"
    /// DownloadListUnpaidOrders: a new order arrives just before the file is generated and
    /// another just after, so the amounts asked before and after differ and the file
    /// matches neither.
    case movesDuringExport = "moves-during-export"
    /// DownloadListUnpaidOrders: HTTP 200 whose JSON stops in the middle of the presigned URL's signature.
    case truncatedJSON = "truncated-json"

    /// Where the fault fires unless told otherwise; 429 and 5xx can fire on either.
    public var defaultTarget: FaultTarget {
        switch self {
        case .throttle, .http429, .http5xx, .wrongFileSize, .amountDisagree, .refuseAmount, .movesDuringExport,
             .truncatedJSON: .api
        case .dropMidBody, .expiredURL, .corruptZip: .download
        }
    }

    public func canFire(on target: FaultTarget) -> Bool {
        switch self {
        case .http429, .http5xx: true
        default: target == defaultTarget
        }
    }
}

public enum FaultTarget: String, Sendable, Hashable, Codable {
    case api
    case download
}

/// What the simulator has seen, for tests that count retries and downloads.
public struct SimulatorCounters: Sendable, Hashable, Codable {
    /// API requests by Action (`""` when the request had none), whatever the outcome.
    public var apiCalls: [String: Int] = [:]
    /// API answers by RetCode (as text, JSON keys being strings).
    public var apiRetCodes: [String: Int] = [:]
    /// Requests to the object store, whatever the outcome.
    public var downloads = 0
    /// Downloads that started sending file bytes (200 or 206).
    public var downloadsServed = 0
    /// Faults fired, by name.
    public var faultsFired: [String: Int] = [:]

    public init() {}
}
