import Synchronization
import Webhooks

/// Every secret this process has read, and the one place text is cleaned of them before
/// it leaves the process: log lines (`LineLogHandler`), command output and errors, and
/// the error columns written to the ledger (run errors, outbox errors, disabled targets).
///
/// Secrets are learned where they are read, so nothing can reach the output before the
/// redactor knows it: `Configuration.load(file:)` teaches it every target's URL and
/// signing secret, `PrivateKeySource.load` the private key. A reload adds; nothing is
/// forgotten, so a message about an old URL is still masked.
///
/// ```swift
/// SecretRedactor.shared.learn(targets: configuration.alerts.targets)
/// let safe = SecretRedactor.shared.redact("Cannot POST /robot/send?access_token=…")
/// ```
public final class SecretRedactor: Sendable {
    /// The process's redactor: what the log handler and the commands use.
    public static let shared = SecretRedactor()

    /// Secret text and what is shown instead, longest secret first, so a URL is replaced
    /// whole before its parts.
    private let replacements = Mutex<[(secret: String, shownAs: String)]>([])

    public init() {}

    public convenience init(targets: [WebhookTarget]) {
        self.init()
        learn(targets: targets)
    }

    /// The API's private key.
    public func learn(privateKey: String) {
        add([(privateKey, "<private key>")])
    }

    /// Each target's URL (shown as its scheme and host), every token-bearing part of it
    /// (query values, path segments that look like tokens: Slack's `/services/T…/B…/…`,
    /// Feishu's hook id, DingTalk's `access_token`, WeCom's `key`) and its signing secret.
    public func learn(targets: [WebhookTarget]) {
        var pairs: [(String, String)] = []
        for target in targets {
            pairs.append((target.url, WebhookTarget.masked(target.url)))
            pairs += Self.tokens(in: target.url).map { ($0, "<token>") }
            if let secret = target.secret { pairs.append((secret, "<secret>")) }
        }
        add(pairs)
    }

    public func redact(_ text: String) -> String {
        let replacements = replacements.withLock { $0 }
        guard !replacements.isEmpty else { return text }
        return replacements.reduce(text) { text, pair in
            text.contains(pair.secret) ? text.replacingOccurrences(of: pair.secret, with: pair.shownAs) : text
        }
    }

    /// Parts of a URL that may carry a token: every query value, and path segments of at
    /// least 16 characters or of 8 with a digit (words such as `robot` or `send` stay).
    static func tokens(in url: String) -> [String] {
        guard let schemeEnd = url.range(of: "://") else { return [] }
        let afterScheme = url[schemeEnd.upperBound...]
        let pathStart = afterScheme.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? afterScheme.endIndex
        let rest = afterScheme[pathStart...]
        let path = rest.prefix { $0 != "?" && $0 != "#" }
        let query = rest.dropFirst(path.count).dropFirst().prefix { $0 != "#" }
        let segments: [Substring] = path.split(separator: "/")
        var tokens = segments.filter { segment in
            segment.count >= 16 || (segment.count >= 8 && segment.contains(where: \.isNumber))
        }.map(String.init)
        let pairs: [Substring] = query.split(separator: "&")
        for pair in pairs {
            guard let equals = pair.firstIndex(of: "=") else { continue }
            let value = String(pair[pair.index(after: equals)...])
            tokens.append(value)
            if let decoded = value.removingPercentEncoding, decoded != value { tokens.append(decoded) }
        }
        return tokens
    }

    /// Too short a "secret" would mask ordinary words; no real key or token is that short.
    private static let shortest = 4

    private func add(_ pairs: [(String, String)]) {
        replacements.withLock { replacements in
            for (secret, shownAs) in pairs where secret.count >= Self.shortest
                && !replacements.contains(where: { $0.secret == secret }) {
                replacements.append((secret, shownAs))
            }
            replacements.sort { $0.secret.count > $1.secret.count }
        }
    }
}
