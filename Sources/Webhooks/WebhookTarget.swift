import UnpaidCore

/// The wire format a target speaks.
public enum WebhookFormat: String, Sendable, Hashable, Codable, CaseIterable {
    /// Standard Webhooks (standardwebhooks.com): signed JSON `{type, timestamp, data}`.
    case standard
    /// Prometheus Alertmanager webhook payload, version 4.
    case alertmanager
    case slack
    case feishu
    case dingtalk
    case wecom
}

/// A `[[target]]`: where and how notifications are delivered.
///
/// `url` and `secret` are secrets (robot URLs carry their token), so `description`
/// shows only the scheme and host and whether a secret is set.
extension WebhookFormat {
    /// What the chat platforms document for one robot: DingTalk and WeCom 20 a minute,
    /// Feishu 100 a minute, Slack about one a second. Webhook receivers of our own
    /// (standard, Alertmanager) have no limit unless configured.
    public var defaultMaxPerMinute: Int? {
        switch self {
        case .dingtalk, .wecom: 20
        case .feishu: 100
        case .slack: 60
        case .standard, .alertmanager: nil
        }
    }
}

/// How a target's notifications are put into messages.
public enum MessageGrouping: String, Sendable, Hashable, CaseIterable {
    /// One message per alert notification.
    case perAlert = "alert"
    /// One message per run, listing every alert the run raised (`group = "run"`).
    case perRun = "run"
}

public struct WebhookTarget: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var format: WebhookFormat
    public var url: String
    /// `whsec_...` for `standard` (required); the signing secret for `feishu` and
    /// `dingtalk` (optional: unsigned robots need none); unused otherwise.
    public var secret: String?
    public var sendResolved: Bool
    public var timeout: Duration
    /// Messages sent at most per minute; nil for no limit. Chat robots always have one.
    public var maxPerMinute: Int?
    public var grouping: MessageGrouping
    /// When messages to this target are held; critical ones still go.
    public var quietHours: QuietHours?

    public init(name: String, format: WebhookFormat, url: String, secret: String? = nil,
                sendResolved: Bool = true, timeout: Duration = .seconds(20), maxPerMinute: Int? = nil,
                grouping: MessageGrouping = .perAlert, quietHours: QuietHours? = nil) {
        self.name = name
        self.format = format
        self.url = url
        self.secret = secret
        self.sendResolved = sendResolved
        self.timeout = timeout
        // Nil takes the format's limit: a chat robot's cannot be lifted, only lowered or raised.
        self.maxPerMinute = maxPerMinute ?? format.defaultMaxPerMinute
        self.grouping = grouping
        self.quietHours = quietHours
    }

    public var description: String {
        "target \"\(name)\" (\(format.rawValue), \(Self.masked(url)), secret \(secret == nil ? "not set" : "set"), "
            + "resolved notifications \(sendResolved ? "on" : "off")\(grouping == .perRun ? ", one message per run" : "")"
            + "\(quietHours.map { ", quiet \($0)" } ?? ""))"
    }

    /// `https://open.feishu.cn/…`: scheme and host only, since paths and queries carry tokens.
    public static func masked(_ url: String) -> String {
        guard let (scheme, host) = origin(of: url) else { return "<url hidden>" }
        return "\(scheme)://\(host)/…"
    }

    /// Scheme and host[:port] of a URL, without any credentials.
    static func origin(of url: String) -> (scheme: String, host: String)? {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let authority = url[schemeEnd.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        // Credentials in the authority (user:pass@host) are secret too.
        let host = authority.split(separator: "@", omittingEmptySubsequences: false).last.map(String.init) ?? ""
        return (String(url[..<schemeEnd.lowerBound]), host)
    }

    public func validate() throws(WebhookTargetError) {
        func fail(_ field: String, _ problem: String) -> WebhookTargetError {
            WebhookTargetError(target: name, field: field, problem: problem)
        }
        guard !name.allSatisfy(\.isWhitespace) else { throw fail("name", "must not be empty") }
        guard let (scheme, host) = Self.origin(of: url), ["http", "https"].contains(scheme.lowercased()), !host.isEmpty
        else { throw fail("url", "must be an http:// or https:// URL with a host") }
        guard timeout > .zero, timeout <= .seconds(120) else {
            throw fail("timeout", "must be between 1 and 120 seconds, got \(timeout)")
        }
        if let maxPerMinute, !(1...6000).contains(maxPerMinute) {
            throw fail("max_per_minute", "must be between 1 and 6000, got \(maxPerMinute)")
        }
        switch format {
        case .standard:
            guard let secret else { throw fail("secret", "the standard format signs every message: set secret = \"whsec_...\"") }
            guard let key = StandardWebhooksSigner.key(fromSecret: secret), (24...64).contains(key.count) else {
                throw fail("secret", "must be whsec_ followed by the base64 of 24 to 64 random bytes")
            }
        case .feishu, .dingtalk:
            if let secret, secret.isEmpty { throw fail("secret", "is empty; remove it for an unsigned robot") }
        case .alertmanager, .slack, .wecom:
            if secret != nil { throw fail("secret", "\(format.rawValue) targets are not signed; remove secret") }
        }
    }

    /// Whether this target wants the notification at all: the outbox gets one row per
    /// target of the rule that accepts it.
    public func accepts(_ notification: AlertNotification) -> Bool {
        notification.kind != .resolved || sendResolved
    }
}

public struct WebhookTargetError: Error, Sendable, Equatable, CustomStringConvertible {
    public var target: String
    public var field: String
    public var problem: String

    public var description: String { "[[target]] \"\(target)\": \(field): \(problem)" }
}
