import Foundation
import Logging
import UnpaidCore

/// One delivery attempt of one notification to one target.
public struct WebhookSender: Sendable {
    private let client: any WebhookHTTPClient
    private let logger: Logger

    public init(client: any WebhookHTTPClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Formats, signs and posts; never throws: every way an attempt can end is an outcome.
    public func attempt(_ notification: AlertNotification, to target: WebhookTarget, now: Int64) async -> DeliveryOutcome {
        await attempt(messageID: notification.messageID, to: target, now: now) { () throws(WebhookFormatError) in
            try WebhookFormatter.request(for: notification, to: target, now: now)
        }
    }

    /// One attempt of a run's digest, as for a single notification.
    public func attempt(_ digest: AlertDigest, to target: WebhookTarget, now: Int64) async -> DeliveryOutcome {
        await attempt(messageID: digest.messageID, to: target, now: now) { () throws(WebhookFormatError) in
            try WebhookFormatter.request(for: digest, to: target, now: now)
        }
    }

    private func attempt(messageID: String, to target: WebhookTarget, now: Int64,
                         request: () throws(WebhookFormatError) -> WebhookRequest) async -> DeliveryOutcome {
        let outcome: DeliveryOutcome
        do {
            let response = try await client.post(try request(), timeout: target.timeout)
            outcome = ResponseClassifier.classify(response, format: target.format, now: now)
        } catch let error as WebhookFormatError {
            outcome = .permanentFailure(reason: error.description)
        } catch {
            outcome = .retry(after: nil, reason: "no response: \(Self.redacted(String(describing: error), for: target))")
        }
        logger.log(level: outcome == .delivered ? .debug : .warning, "webhook attempt", metadata: [
            "target": "\(target.name)", "endpoint": "\(WebhookTarget.masked(target.url))",
            "message_id": "\(messageID)", "outcome": "\(outcome)",
        ])
        return outcome
    }

    /// Removes the target's URLs (path and query carry tokens) and secret from a text:
    /// from each occurrence of the target's scheme and host up to the next space or quote.
    static func redacted(_ text: String, for target: WebhookTarget) -> String {
        var text = text
        if let secret = target.secret, !secret.isEmpty {
            text = text.replacingOccurrences(of: secret, with: "<secret>")
        }
        let masked = WebhookTarget.masked(target.url)
        let origin = String(masked.dropLast("/…".count))
        guard origin.contains("://") else { return text }
        var result = ""
        var rest = Substring(text)
        while let range = rest.range(of: origin) {
            result += rest[..<range.lowerBound] + masked
            rest = rest[range.upperBound...].drop { !" \t\n\"'<>".contains($0) }
        }
        return result + rest
    }
}
