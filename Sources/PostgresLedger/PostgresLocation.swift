import Foundation

/// Where a PostgreSQL ledger lives, parsed from `storage.database`:
/// `postgresql://USER@HOST[:PORT]/DATABASE[?sslmode=…&sslrootcert=PATH&connect_timeout=SECONDS]` (`postgres://` too).
///
/// The value never holds a password, so it can be logged and printed as it is: a URL that
/// carries one is refused, and the password is read at connection time from
/// ``PostgresPasswordSource``.
///
/// ```swift
/// let location = try PostgresLocation(url: "postgresql://unpaidd@db.internal/unpaidd?sslmode=verify-full",
///                                     passwordEnvironment: "UNPAIDD_DB_PASSWORD")
/// ```
///
/// A host that is a directory (percent-encoded, `postgresql://unpaidd@%2Frun%2Fpostgresql/unpaidd`)
/// or no host at all (`postgresql://unpaidd@/unpaidd`, meaning `/var/run/postgresql`) connects
/// through the server's unix socket in that directory, where TLS does not apply.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    public enum Endpoint: Sendable, Equatable {
        case tcp(host: String, port: Int)
        /// The directory holding the server's socket, `.s.PGSQL.<port>` in it.
        case unixSocket(directory: String, port: Int)
    }

    /// libpq's `sslmode`, as far as the driver offers it (it has no `allow`).
    public enum TLSMode: String, Sendable, Equatable, CaseIterable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it, the certificate not checked. libpq's default, and ours.
        case prefer
        /// TLS or no connection; the certificate is checked against `sslrootcert` when one is given
        /// (as libpq does), otherwise not at all.
        case require
        /// TLS, the certificate signed by `sslrootcert` (or the system's roots), any host name.
        case verifyCA = "verify-ca"
        /// TLS, the certificate signed by `sslrootcert` (or the system's roots) and naming the host.
        case verifyFull = "verify-full"
    }

    /// The configuration key the URL came from, named in every error about it.
    public static let defaultKey = "storage.database"
    /// Where libpq and Debian's server put the socket when the URL names no host.
    public static let defaultSocketDirectory = "/var/run/postgresql"
    public static let defaultPort = 5432

    public var endpoint: Endpoint
    public var user: String
    public var database: String
    /// Default: `.prefer`, as libpq.
    public var tlsMode: TLSMode = .prefer
    /// `sslrootcert`: a PEM file of the certificates that may sign the server's; `nil` for the system's.
    public var rootCertificatePath: String? = nil
    public var password: PostgresPasswordSource = .systemdCredential
    /// How long one connection attempt may take before it counts as failed (`connect_timeout`,
    /// in whole seconds, as libpq reads it).
    public var connectTimeout: Duration = .seconds(10)

    public init(endpoint: Endpoint, user: String, database: String, tlsMode: TLSMode = .prefer,
                rootCertificatePath: String? = nil, password: PostgresPasswordSource = .systemdCredential) {
        self.endpoint = endpoint
        self.user = user
        self.database = database
        self.tlsMode = tlsMode
        self.rootCertificatePath = rootCertificatePath
        self.password = password
    }

    /// Parses a `postgresql://` URL.
    ///
    /// - Parameters:
    ///   - url: the URL, which must not carry a password.
    ///   - passwordEnvironment: `storage.password_env`, the environment variable holding the password;
    ///     `nil` reads `$CREDENTIALS_DIRECTORY/postgres-password` when systemd passes that credential.
    ///   - key: the configuration key to name in errors.
    /// - Throws: ``PostgresLocationError``; no error message repeats a password found in the URL.
    public init(url: String, passwordEnvironment: String? = nil,
                key: String = PostgresLocation.defaultKey) throws(PostgresLocationError) {
        self = try PostgresURLParser(key: key).parse(url)
        if let passwordEnvironment {
            guard !passwordEnvironment.isEmpty else {
                throw .invalidParameter(key: key, name: "password_env", value: "", expected: "the name of an environment variable")
            }
            password = .environment(passwordEnvironment)
        }
    }

    /// True when `text` is meant for this backend (`postgresql://` or `postgres://`), so a caller
    /// can tell a PostgreSQL URL from a SQLite path before parsing it.
    public static func isPostgresURL(_ text: String) -> Bool {
        PostgresURLParser.schemes.contains { text.lowercased().hasPrefix($0) }
    }

    /// The URL again, without a password (it never holds one), plus where the password comes from.
    public var description: String {
        var text = "postgresql://\(user)@"
        switch endpoint {
        case .tcp(let host, let port):
            text += host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unixSocket(let directory, let port):
            text += directory.replacingOccurrences(of: "/", with: "%2F") + ":\(port)"
        }
        text += "/\(database)"
        if case .tcp = endpoint {
            text += "?sslmode=\(tlsMode.rawValue)"
            if let rootCertificatePath { text += "&sslrootcert=\(rootCertificatePath)" }
        }
        return text + " (password: \(password))"
    }
}
