import Foundation

/// `[metrics]`: where `/metrics` and `/healthz` are served. Off unless `listen` is set.
public struct MetricsSettings: Sendable, Equatable {
    /// Host (an IPv4 or IPv6 literal, or a name) and TCP port. Default: nil, no listener.
    public var listen: ListenAddress?

    public init() {}

    public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
        public var host: String
        public var port: Int

        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    static func parse(_ root: inout TableReader) throws(ConfigurationError) -> MetricsSettings {
        var settings = MetricsSettings()
        guard var table = try root.table("metrics") else { return settings }
        if let text = try table.string("listen") {
            guard let address = Self.address(text) else {
                throw table.error("listen", "expected HOST:PORT such as \"127.0.0.1:9464\" or \"[::1]:9464\" (port 0-65535), found \"\(text)\"")
            }
            settings.listen = address
        }
        try table.rejectUnknownKeys()
        return settings
    }

    /// `127.0.0.1:9464`, `localhost:9464`, `[::1]:9464`.
    static func address(_ text: String) -> ListenAddress? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (0...65_535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") {
            guard host.hasSuffix("]"), host.count > 2 else { return nil }
            host = String(host.dropFirst().dropLast())
        } else if host.contains(":") {
            return nil  // an IPv6 literal needs brackets, or the port is ambiguous
        }
        guard !host.isEmpty, !host.contains(where: \.isWhitespace) else { return nil }
        return ListenAddress(host: host, port: port)
    }
}
