import CCurl
#if canImport(Glibc)
import Glibc
#endif

/// Where downloads may come from. Presigned export URLs point at object storage, so
/// anything else is refused before a single byte is sent.
public struct DownloadPolicy: Sendable, Hashable {
    /// A host is allowed when it equals an entry or ends with it as a dot-separated
    /// suffix: `.ufileos.com` or `ufileos.com` both allow `bucket.cn-bj.ufileos.com`.
    public var allowedHostSuffixes: [String]
    /// Plain http is accepted only for loopback hosts, and only when this is set.
    public var allowsInsecureLoopback: Bool

    public init(allowedHostSuffixes: [String] = [".ufileos.com"], allowsInsecureLoopback: Bool = false) {
        self.allowedHostSuffixes = allowedHostSuffixes
        self.allowsInsecureLoopback = allowsInsecureLoopback
    }

    /// Checks `url` and returns its host; errors name the host, never the query.
    public func check(_ url: String) throws(TransportError) -> String {
        let parts = try URLParts(url)
        let host = parts.host.lowercased()
        switch parts.scheme.lowercased() {
        case "https": break
        case "http" where allowsInsecureLoopback && Self.isLoopback(host): break
        default: throw .insecureScheme(host: host)
        }
        let bareHost = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        let allowed = allowedHostSuffixes.contains { entry in
            let suffix = entry.lowercased()
            let dotted = suffix.hasPrefix(".") ? suffix : "." + suffix
            return bareHost == suffix || bareHost == String(dotted.dropFirst()) || bareHost.hasSuffix(dotted)
        }
        guard allowed else { throw .hostNotAllowed(host) }
        return host
    }

    /// 127.0.0.0/8, ::1 and localhost.
    public static func isLoopback(_ host: String) -> Bool {
        let bare = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        if bare == "localhost" { return true }
        var v4 = in_addr()
        if inet_pton(AF_INET, bare, &v4) == 1 {
            return UInt32(bigEndian: v4.s_addr) >> 24 == 127
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, bare, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { bytes in bytes.dropLast().allSatisfy { $0 == 0 } && bytes.last == 1 }
        }
        return false
    }
}

/// Scheme and host as libcurl itself parses them, so the policy judges the very
/// host curl will connect to.
struct URLParts {
    let scheme: String
    let host: String
    let path: String
    let hasQuery: Bool

    init(_ url: String) throws(TransportError) {
        guard let handle = curl_url() else { throw .invalidURL(URLRedaction.redact(url)) }
        defer { curl_url_cleanup(handle) }
        guard curl_url_set(handle, CURLUPART_URL, url, 0) == CURLUE_OK else {
            throw .invalidURL(URLRedaction.redact(url))
        }
        func part(_ which: CURLUPart) -> String? {
            var value: UnsafeMutablePointer<CChar>?
            guard curl_url_get(handle, which, &value, 0) == CURLUE_OK, let value else { return nil }
            defer { curl_free(value) }
            return String(cString: value)
        }
        guard let scheme = part(CURLUPART_SCHEME), let host = part(CURLUPART_HOST) else {
            throw .invalidURL(URLRedaction.redact(url))
        }
        self.scheme = scheme
        self.host = host
        self.path = part(CURLUPART_PATH) ?? "/"
        self.hasQuery = part(CURLUPART_QUERY) != nil
    }
}

/// Presigned URLs carry their signature in the query string, and a URL may carry a
/// password: whatever is logged or put in an error keeps only scheme, host and path.
public enum URLRedaction {
    public static func redact(_ url: String) -> String {
        var text = Substring(url)
        if let fragment = text.firstIndex(of: "#") { text = text[..<fragment] }
        var redactedQuery = ""
        if let query = text.firstIndex(of: "?") {
            text = text[..<query]
            redactedQuery = "?<redacted>"
        }
        guard let schemeEnd = text.firstRange(of: "://")?.upperBound else { return String(text) + redactedQuery }
        let authorityEnd = text[schemeEnd...].firstIndex(of: "/") ?? text.endIndex
        guard let at = text[schemeEnd..<authorityEnd].lastIndex(of: "@") else { return String(text) + redactedQuery }
        return String(text[..<schemeEnd]) + "<redacted>" + String(text[at..<text.endIndex]) + redactedQuery
    }
}
