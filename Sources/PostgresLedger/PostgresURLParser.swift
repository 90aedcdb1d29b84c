import Foundation

/// Reads libpq's URL form by hand rather than with `URLComponents`, which has no notion of a
/// percent-encoded socket directory as host and would accept (and echo) a password.
struct PostgresURLParser {
    static let schemes = ["postgresql://", "postgres://"]
    static let parameters = ["sslmode", "sslrootcert", "connect_timeout"]
    /// Parameters libpq accepts that would put a secret in the URL.
    static let secretParameters = ["password", "passfile", "sslpassword", "sslkey"]

    let key: String

    func parse(_ url: String) throws(PostgresLocationError) -> PostgresLocation {
        guard let scheme = Self.schemes.first(where: { url.lowercased().hasPrefix($0) }) else {
            throw .notAPostgresURL(key: key)
        }
        var rest = Substring(url.dropFirst(scheme.count))
        // The password check comes first, so no later error can quote a part holding one. A user
        // name has no unescaped ':', so a ':' before the first '@' starts a password, even one
        // holding '@', '/' or '?' that would confuse the split below.
        if let at = rest.firstIndex(of: "@"), rest[..<at].contains(":") { throw .passwordInURL(key: key) }
        guard !rest.contains("#") else { throw .malformed(key: key, part: "URL", expected: "no #fragment", found: "#") }
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        let path = slash < rest.endIndex ? rest[rest.index(after: slash)...] : ""

        guard let at = authority.lastIndex(of: "@") else { throw .missing(key: key, part: "user") }
        let userInfo = authority[..<at]
        guard !userInfo.contains(":") else { throw .passwordInURL(key: key) }
        let parameters = try parseParameters(query)

        let user = try decoded(userInfo, part: "user")
        guard !user.isEmpty else { throw .missing(key: key, part: "user") }
        let database = try decoded(path, part: "database")
        guard !database.isEmpty else { throw .missing(key: key, part: "database") }
        guard !database.contains("/") else {
            throw .malformed(key: key, part: "database", expected: "one database name after the host", found: database)
        }

        var location = PostgresLocation(endpoint: try endpoint(authority[authority.index(after: at)...]),
                                        user: user, database: database)
        if let mode = parameters["sslmode"] {
            guard let tlsMode = PostgresLocation.TLSMode(rawValue: mode) else {
                throw .invalidParameter(key: key, name: "sslmode", value: mode,
                                        expected: PostgresLocation.TLSMode.allCases.map(\.rawValue).joined(separator: ", "))
            }
            location.tlsMode = tlsMode
        }
        if let path = parameters["sslrootcert"] {
            guard !path.isEmpty else {
                throw .invalidParameter(key: key, name: "sslrootcert", value: path, expected: "the path of a PEM file")
            }
            location.rootCertificatePath = path
        }
        if let text = parameters["connect_timeout"] {
            guard let seconds = Int(text), (1...3600).contains(seconds) else {
                throw .invalidParameter(key: key, name: "connect_timeout", value: text, expected: "whole seconds from 1 to 3600")
            }
            location.connectTimeout = .seconds(seconds)
        }
        return location
    }

    private func endpoint(_ hostPort: Substring) throws(PostgresLocationError) -> PostgresLocation.Endpoint {
        guard !hostPort.contains(",") else {
            throw .malformed(key: key, part: "host", expected: "a single host", found: String(hostPort))
        }
        var host = hostPort
        var portText: Substring?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else {
                throw .malformed(key: key, part: "host", expected: "an IPv6 address closed by ]", found: String(hostPort))
            }
            host = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
            let after = hostPort[hostPort.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else {
                    throw .malformed(key: key, part: "host", expected: "[ADDRESS]:PORT", found: String(hostPort))
                }
                portText = after.dropFirst()
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = hostPort[..<colon]
            portText = hostPort[hostPort.index(after: colon)...]
        }
        var port = PostgresLocation.defaultPort
        if let portText {
            guard let number = Int(portText), (1...65_535).contains(number) else {
                throw .malformed(key: key, part: "port", expected: "a number from 1 to 65535", found: String(portText))
            }
            port = number
        }
        let name = try decoded(host, part: "host")
        if name.isEmpty { return .unixSocket(directory: PostgresLocation.defaultSocketDirectory, port: port) }
        if name.hasPrefix("/") { return .unixSocket(directory: name, port: port) }
        return .tcp(host: name, port: port)
    }

    private func parseParameters(_ query: Substring) throws(PostgresLocationError) -> [String: String] {
        var parameters: [String: String] = [:]
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let name = String(pair.prefix { $0 != "=" })
            guard !Self.secretParameters.contains(name) else {
                throw name == "password" ? .passwordInURL(key: key) : .unknownParameter(key: key, name: name)
            }
            guard Self.parameters.contains(name) else { throw .unknownParameter(key: key, name: name) }
            guard pair.contains("=") else {
                throw .invalidParameter(key: key, name: name, value: "", expected: "\(name)=VALUE")
            }
            guard parameters[name] == nil else {
                throw .invalidParameter(key: key, name: name, value: "", expected: "\(name) given once")
            }
            parameters[name] = try decoded(pair.drop { $0 != "=" }.dropFirst(), part: name)
        }
        return parameters
    }

    private func decoded(_ text: Substring, part: String) throws(PostgresLocationError) -> String {
        guard let value = String(text).removingPercentEncoding else {
            throw .malformed(key: key, part: part, expected: "valid %XX escapes", found: String(text))
        }
        return value
    }
}
