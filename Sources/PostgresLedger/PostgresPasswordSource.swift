import Foundation

/// Where the database password comes from. It is read only when connecting, and never kept
/// in ``PostgresLocation``, so the location can be logged.
public enum PostgresPasswordSource: Sendable, Equatable, CustomStringConvertible {
    /// `storage.password_env`: the variable must be set and non-empty.
    case environment(String)
    /// `$CREDENTIALS_DIRECTORY/postgres-password`, as systemd's
    /// `LoadCredential=postgres-password:/etc/unpaidd/postgres-password` passes it; when that
    /// file is absent, no password is sent (peer or certificate authentication).
    case systemdCredential

    /// The credential's file name under `$CREDENTIALS_DIRECTORY`, after `private-key` for the API key.
    public static let credentialName = "postgres-password"

    public var description: String {
        switch self {
        case .environment(let name): "environment variable \(name)"
        case .systemdCredential: "systemd credential \(Self.credentialName) if present"
        }
    }

    /// The password, or `nil` when the credential is not there. Surrounding whitespace (the
    /// newline an editor leaves) is dropped.
    /// - Throws: ``PostgresLocationError/missingPasswordEnvironment(name:)``,
    ///   ``PostgresLocationError/unreadablePassword(path:reason:)``.
    public func read(environment: [String: String] = ProcessInfo.processInfo.environment) throws(PostgresLocationError) -> String? {
        switch self {
        case .environment(let name):
            guard let value = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
                throw .missingPasswordEnvironment(name: name)
            }
            return value
        case .systemdCredential:
            guard let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty else { return nil }
            let path = directory + "/" + Self.credentialName
            guard FileManager.default.fileExists(atPath: path) else { return nil }
            guard let data = FileManager.default.contents(atPath: path),
                  let text = String(data: data, encoding: .utf8) else {
                throw .unreadablePassword(path: path, reason: "not readable as UTF-8 text")
            }
            let password = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !password.isEmpty else { throw .unreadablePassword(path: path, reason: "the file is empty") }
            return password
        }
    }
}
