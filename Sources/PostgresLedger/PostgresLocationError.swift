/// What is wrong with a `postgresql://` location or its password. Messages name the key and
/// what was expected, and never contain a password: a URL holding one is not quoted at all.
public enum PostgresLocationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text does not start with `postgresql://` or `postgres://`.
    case notAPostgresURL(key: String)
    /// The URL carries a password (`user:secret@host` or `?password=`).
    case passwordInURL(key: String)
    /// A required part (user, database) is absent.
    case missing(key: String, part: String)
    /// A part is present but unusable.
    case malformed(key: String, part: String, expected: String, found: String)
    /// A query parameter this build does not read; refused so a misspelt `sslmode` cannot silently drop TLS.
    case unknownParameter(key: String, name: String)
    case invalidParameter(key: String, name: String, value: String, expected: String)
    /// `storage.password_env` names a variable that is unset or empty.
    case missingPasswordEnvironment(name: String)
    /// The systemd credential (or another password file) exists but cannot be read.
    case unreadablePassword(path: String, reason: String)
    /// `sslrootcert` cannot be loaded.
    case unreadableRootCertificate(key: String, path: String, reason: String)

    public var description: String {
        switch self {
        case .notAPostgresURL(let key):
            "\(key): expected postgresql://USER@HOST[:PORT]/DATABASE"
        case .passwordInURL(let key):
            "\(key): the URL contains a password, which would end up in logs and process listings; remove it from the URL and put it in an environment variable named by storage.password_env, or pass it as the systemd credential \(PostgresPasswordSource.credentialName)"
        case .missing(let key, let part):
            "\(key): the URL names no \(part); expected postgresql://USER@HOST[:PORT]/DATABASE"
        case .malformed(let key, let part, let expected, let found):
            "\(key): the URL's \(part) is \"\(found)\"; expected \(expected)"
        case .unknownParameter(let key, let name):
            "\(key): unknown URL parameter \"\(name)\"; expected one of \(PostgresURLParser.parameters.joined(separator: ", "))"
        case .invalidParameter(let key, let name, let value, let expected):
            "\(key): \(name)=\"\(value)\" is not valid; expected \(expected)"
        case .missingPasswordEnvironment(let name):
            "environment variable \(name) (storage.password_env) is not set or empty; set it to the database password"
        case .unreadablePassword(let path, let reason):
            "cannot read the database password from \(path): \(reason)"
        case .unreadableRootCertificate(let key, let path, let reason):
            "\(key): cannot load sslrootcert \(path): \(reason); expected a readable PEM file of CA certificates"
        }
    }
}
