import CurlTransport

/// A non-zero `RetCode` from the API, with what support needs to trace it.
public struct APIFailure: Sendable, Hashable, CustomStringConvertible {
    public var action: String
    public var retCode: Int
    public var message: String
    public var requestUUID: String?

    public init(action: String, retCode: Int, message: String, requestUUID: String?) {
        self.action = action
        self.retCode = retCode
        self.message = message
        self.requestUUID = requestUUID
    }

    public var description: String {
        let what = switch retCode {
        case 160: "missing parameter (RetCode 160): \(message)"
        case 161: "unknown action \(action) (RetCode 161): check the endpoint and the action name"
        case 171: "signature rejected (RetCode 171): check the private key"
        case 172: "public key not found (RetCode 172): check public_key"
        case 230: "a parameter is not valid (RetCode 230): \(message)"
        default: "\(action) failed with RetCode \(retCode): \(message)"
        }
        return what + (requestUUID.map { " [request \($0)]" } ?? "")
    }
}

public enum BillingAPIError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Refused before sending; `name` is the API parameter, e.g. `ProductCodes.1`.
    case invalidParameter(name: String, reason: String)
    /// No HTTP response, after `attempts` tries.
    case transport(TransportError, attempts: Int)
    /// The gateway answered with a non-200 status, after `attempts` tries.
    case httpStatus(code: Int, requestUUID: String?, attempts: Int)
    /// The API answered with a non-zero RetCode, after `attempts` tries.
    case api(APIFailure, attempts: Int)
    /// HTTP 200 with a body that is not complete JSON (cut short, empty, a proxy's page),
    /// after `attempts` tries. Retried like a 5xx; the body itself is never kept.
    case unreadableAnswer(action: String, body: UnreadableBody, requestUUID: String?, attempts: Int)
    /// Complete JSON that is not the envelope expected, or lacks a field the action needs.
    case malformedResponse(String, requestUUID: String?)
    /// The export could not be downloaded (after asking for fresh URLs where that helps).
    case download(TransportError, urlRefreshes: Int)

    public var description: String {
        switch self {
        case .invalidParameter(let name, let reason):
            "parameter \(name) is not valid: \(reason)"
        case .transport(let error, let attempts):
            "the billing API could not be reached after \(attempts) attempt(s): \(error)"
        case .httpStatus(let code, let uuid, let attempts):
            "the billing API answered HTTP \(code) after \(attempts) attempt(s)" + (uuid.map { " [request \($0)]" } ?? "")
        case .api(let failure, let attempts):
            attempts > 1 ? "\(failure) (after \(attempts) attempts)" : failure.description
        case .unreadableAnswer(let action, let body, let uuid, let attempts):
            "\(action) answered HTTP 200 with \(body); gave up after \(attempts) attempt\(attempts == 1 ? "" : "s")"
                + (uuid.map { " [request \($0)]" } ?? "")
        case .malformedResponse(let detail, let uuid):
            "the billing API's response is not understood: \(detail)" + (uuid.map { " [request \($0)]" } ?? "")
        case .download(let error, let refreshes):
            "downloading the export failed" + (refreshes > 0 ? " (after \(refreshes) fresh URL(s))" : "") + ": \(error)"
        }
    }
}
