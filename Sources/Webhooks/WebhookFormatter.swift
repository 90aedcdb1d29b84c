import Foundation
import UnpaidCore

/// Builds the exact request one delivery attempt sends to one target.
///
/// Called again on every attempt with the attempt's time: signatures carry a timestamp
/// receivers check for freshness, while the message id stays the same.
public enum WebhookFormatter {
    /// Standard Webhooks `type` values.
    public static func eventType(_ kind: AlertNotification.Kind) -> String {
        "unpaid.alert.\(kind.rawValue)"
    }

    public static func request(for notification: AlertNotification, to target: WebhookTarget,
                               now: Int64) throws(WebhookFormatError) -> WebhookRequest {
        try request(messageID: notification.messageID, to: target, now: now, standard: { () throws(WebhookFormatError) in
            try encode(StandardEnvelope(type: eventType(notification.kind),
                                        timestamp: AlertMessageText.iso8601(notification.createdAt),
                                        data: AlertData(notification)), snakeCase: true)
        }, alertmanager: { () throws(WebhookFormatError) in
            try encode(AlertmanagerPayload(notification, receiver: target.name), snakeCase: false)
        }, text: { AlertMessageText.render(notification) })
    }

    /// A run's digest in the target's format: chat formats list one alert a line, cut to
    /// the platform's cap; the machine formats carry every alert.
    public static func request(for digest: AlertDigest, to target: WebhookTarget,
                               now: Int64) throws(WebhookFormatError) -> WebhookRequest {
        try request(messageID: digest.messageID, to: target, now: now, standard: { () throws(WebhookFormatError) in
            try encode(StandardDigestEnvelope(timestamp: AlertMessageText.iso8601(digest.createdAt),
                                              data: DigestData(digest)), snakeCase: true)
        }, alertmanager: { () throws(WebhookFormatError) in
            try encode(AlertmanagerPayload(digest, receiver: target.name), snakeCase: false)
        }, text: { DigestText.render(digest) })
    }

    /// Each body is built only for the format that sends it.
    private static func request(messageID: String, to target: WebhookTarget, now: Int64,
                                standard: () throws(WebhookFormatError) -> [UInt8],
                                alertmanager: () throws(WebhookFormatError) -> [UInt8],
                                text: () -> String) throws(WebhookFormatError) -> WebhookRequest {
        var headers = [("Content-Type", "application/json; charset=utf-8")]
        var url = target.url
        let body: [UInt8]
        switch target.format {
        case .standard:
            guard let secret = target.secret, let key = StandardWebhooksSigner.key(fromSecret: secret) else {
                throw .missingSecret(target: target.name)
            }
            body = try standard()
            headers += [
                ("webhook-id", messageID),
                ("webhook-timestamp", String(now)),
                ("webhook-signature", StandardWebhooksSigner.signature(
                    key: key, messageID: messageID, timestamp: now, body: body)),
            ]
        case .alertmanager:
            body = try alertmanager()
        case .slack, .feishu, .dingtalk, .wecom:
            let chat = try chatRequest(text: text(), to: target, now: now)
            url = chat.url
            body = chat.body
        }
        // Receivers that dedupe on their own still get the stable id, whatever the format.
        if target.format != .standard { headers.append(("Idempotency-Key", messageID)) }
        return WebhookRequest(url: url, headers: headers, body: body)
    }

    /// A chat robot's request carrying `text`, cut to the platform's cap.
    static func chatRequest(text: String, to target: WebhookTarget,
                            now: Int64) throws(WebhookFormatError) -> (url: String, body: [UInt8]) {
        let body: (String) throws(WebhookFormatError) -> [UInt8]
        var url = target.url
        switch target.format {
        case .slack:
            body = { text throws(WebhookFormatError) in try encode(SlackPayload(text: text), snakeCase: false) }
        case .feishu:
            var payload = FeishuPayload(content: .init(text: ""))
            if let secret = target.secret {
                payload.timestamp = String(now)
                payload.sign = FeishuSigner.sign(timestamp: now, secret: secret)
            }
            body = { text throws(WebhookFormatError) in
                payload.content.text = text
                return try encode(payload, snakeCase: true)
            }
        case .dingtalk, .wecom:
            if target.format == .dingtalk, let secret = target.secret {
                let milliseconds = now * 1000
                let sign = DingTalkSigner.queryEscaped(DingTalkSigner.sign(timestampMilliseconds: milliseconds, secret: secret))
                url += (url.contains("?") ? "&" : "?") + "timestamp=\(milliseconds)&sign=\(sign)"
            }
            body = { text throws(WebhookFormatError) in
                try encode(RobotTextPayload(text: .init(content: text)), snakeCase: false)
            }
        case .standard, .alertmanager:
            preconditionFailure("\(target.format.rawValue) is not a chat format")
        }
        guard let cap = target.format.messageCap else { return (url, try body(text)) }
        let fitted = ChatTextFitting.fit(text) { candidate in
            cap.size(of: candidate, body: { try? body($0) }) <= cap.limit
        }
        return (url, try body(fitted))
    }

    private static func encode(_ value: some Encodable, snakeCase: Bool) throws(WebhookFormatError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        if snakeCase { encoder.keyEncodingStrategy = .convertToSnakeCase }
        do {
            return [UInt8](try encoder.encode(value))
        } catch {
            throw .encoding(String(describing: error))
        }
    }
}

public enum WebhookFormatError: Error, Sendable, Equatable, CustomStringConvertible {
    case missingSecret(target: String)
    case encoding(String)

    public var description: String {
        switch self {
        case .missingSecret(let target):
            "[[target]] \"\(target)\": secret: the standard format needs a whsec_ secret to sign with"
        case .encoding(let detail):
            "could not encode the webhook body: \(detail)"
        }
    }
}
