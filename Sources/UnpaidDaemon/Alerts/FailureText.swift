import Foundation
import Webhooks

/// The text of a failure as stored and quoted in a failing alert. A failure can quote an
/// API answer or a download's presigned URL, whose query holds a signature, and a
/// webhook's URL holds a token: every URL keeps only its scheme and host, and the
/// configured targets' secrets are masked.
enum FailureText {
    static func masked(_ text: String, targets: [WebhookTarget]) -> String {
        let redactor = SecretRedactor(targets: targets)
        let lines = SecretRedactor.shared.redact(redactor.redact(text)).split(whereSeparator: \.isNewline)
        return withoutURLPaths(lines.joined(separator: " "))
    }

    /// `https://host/path?query` → `https://host/…`, up to the next space or quote.
    static func withoutURLPaths(_ text: String) -> String {
        var result = ""
        var rest = Substring(text)
        while let scheme = rest.range(of: "://") {
            let start = rest[..<scheme.lowerBound].lastIndex { !($0.isLetter || $0 == "+" || $0 == "-" || $0 == ".") }
                .map { rest.index(after: $0) } ?? rest.startIndex
            let url = rest[start...].prefix { !" \t\"'<>,;)]}".contains($0) }
            result += rest[..<start] + WebhookTarget.masked(String(url))
            rest = rest[url.endIndex...]
        }
        return result + rest
    }
}
