import Crypto
import Foundation

/// Standard Webhooks v1: base64(HMAC-SHA256(key, "<id>.<timestamp>.<body>")), where the
/// key is the base64 text after `whsec_`.
public enum StandardWebhooksSigner {
    public static func key(fromSecret secret: String) -> [UInt8]? {
        guard secret.hasPrefix("whsec_"), let data = Data(base64Encoded: String(secret.dropFirst(6))) else { return nil }
        return [UInt8](data)
    }

    /// The `webhook-signature` header value, `v1,<base64>`.
    public static func signature(key: [UInt8], messageID: String, timestamp: Int64, body: [UInt8]) -> String {
        var content = Array("\(messageID).\(timestamp).".utf8)
        content.append(contentsOf: body)
        let mac = HMAC<SHA256>.authenticationCode(for: content, using: SymmetricKey(data: key))
        return "v1," + Data(mac).base64EncodedString()
    }
}

/// Feishu/Lark custom bot: base64(HMAC-SHA256(key = "<timestamp>\n<secret>", message = empty)).
public enum FeishuSigner {
    public static func sign(timestamp: Int64, secret: String) -> String {
        let key = SymmetricKey(data: Array("\(timestamp)\n\(secret)".utf8))
        return Data(HMAC<SHA256>.authenticationCode(for: [UInt8](), using: key)).base64EncodedString()
    }
}

/// DingTalk robot: base64(HMAC-SHA256(key = secret, message = "<timestamp ms>\n<secret>")),
/// sent URL-encoded in the query.
public enum DingTalkSigner {
    public static func sign(timestampMilliseconds: Int64, secret: String) -> String {
        let key = SymmetricKey(data: Array(secret.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(timestampMilliseconds)\n\(secret)".utf8), using: key)
        return Data(mac).base64EncodedString()
    }

    /// Percent-encodes everything but unreserved characters, so `+`, `/` and `=` survive.
    static func queryEscaped(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
