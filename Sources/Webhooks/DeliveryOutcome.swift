import Foundation

/// What one delivery attempt means for the message and its target.
public enum DeliveryOutcome: Sendable, Hashable, CustomStringConvertible {
    case delivered
    /// Try again later; `after` is the receiver's Retry-After in seconds, when it sent one.
    case retry(after: Int64?, reason: String)
    /// The endpoint is gone (HTTP 410): stop sending anything to this target.
    case disableTarget(reason: String)
    /// The receiver refused this message for good (bad request, bad signature...):
    /// retrying the same bytes cannot succeed.
    case permanentFailure(reason: String)

    public var description: String {
        switch self {
        case .delivered: "delivered"
        case .retry(let after, let reason): "will retry\(after.map { " (Retry-After \($0) s)" } ?? ""): \(reason)"
        case .disableTarget(let reason): "target disabled: \(reason)"
        case .permanentFailure(let reason): "failed for good: \(reason)"
        }
    }
}

/// Reads a receiver's answer the way its format defines success.
public enum ResponseClassifier {
    public static func classify(_ response: WebhookResponse, format: WebhookFormat, now: Int64) -> DeliveryOutcome {
        let status = response.status
        let excerpt = bodyExcerpt(response.body)
        switch status {
        case 200..<300:
            return classifyRobotBody(response.body, format: format, excerpt: excerpt)
        case 410:
            return .disableTarget(reason: "HTTP 410 Gone: the endpoint was removed")
        case 408, 425, 429, 500..<600:
            return .retry(after: retryAfter(response.header("Retry-After"), now: now),
                          reason: "HTTP \(status)\(excerpt)")
        default:
            // 3xx is not followed (a moved webhook must be reconfigured); other 4xx are
            // the receiver rejecting this message.
            return .permanentFailure(reason: "HTTP \(status)\(excerpt)")
        }
    }

    /// Chat robots answer HTTP 200 for most errors and put the verdict in the body.
    private static func classifyRobotBody(_ body: [UInt8], format: WebhookFormat, excerpt: String) -> DeliveryOutcome {
        let field: String
        switch format {
        case .feishu: field = "code"
        case .dingtalk, .wecom: field = "errcode"
        case .standard, .alertmanager, .slack: return .delivered
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            return .permanentFailure(reason: "HTTP 200 but the body is not the JSON object \(format.rawValue) answers with\(excerpt)")
        }
        // Feishu's newer answers carry `StatusCode` instead of `code`.
        guard let code = (object[field] ?? object["StatusCode"]) as? Int else {
            return .permanentFailure(reason: "HTTP 200 but no \"\(field)\" in the answer\(excerpt)")
        }
        if code == 0 { return .delivered }
        let message = (object["msg"] ?? object["errmsg"] ?? object["StatusMessage"]) as? String ?? ""
        let reason = "\(format.rawValue) \(field) \(code): \(message.prefix(200))"
        return rateLimitCodes[format, default: []].contains(code) ? .retry(after: nil, reason: reason) : .permanentFailure(reason: reason)
    }

    /// Robot error codes that mean "too many messages", worth retrying later:
    /// Feishu 9499 and 11232 (flow control), DingTalk 130101 (send too fast), WeCom 45009 (frequency limit).
    static let rateLimitCodes: [WebhookFormat: Set<Int>] = [.feishu: [9499, 11232], .dingtalk: [130101], .wecom: [45009]]

    /// Retry-After as delta-seconds or an HTTP date, in seconds from `now`; nil when absent or unreadable.
    public static func retryAfter(_ value: String?, now: Int64) -> Int64? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Int64(value) { return max(0, seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return max(0, Int64(date.timeIntervalSince1970) - now)
    }

    private static func bodyExcerpt(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(200), as: UTF8.self)
            .split(whereSeparator: \.isNewline).joined(separator: " ")
        return text.isEmpty ? "" : ": \(text)"
    }
}
