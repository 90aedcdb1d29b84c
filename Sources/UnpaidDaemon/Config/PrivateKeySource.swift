import Foundation

/// Where the API private key comes from. The key itself is read only when needed
/// and never kept in the configuration value, so it cannot end up in a log line.
public enum PrivateKeySource: Sendable, Equatable, CustomStringConvertible {
    case file(String)
    case environment(String)
    /// systemd's `LoadCredential=private-key:…`, found in `$CREDENTIALS_DIRECTORY`.
    case systemdCredential

    public var description: String {
        switch self {
        case .file(let path): "file \(path)"
        case .environment(let name): "environment variable \(name)"
        case .systemdCredential: "systemd credential private-key"
        }
    }

    /// Reads the key and teaches it to `SecretRedactor.shared`, so it is masked in
    /// everything the process writes from now on.
    public func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws(PrivateKeyError) -> String {
        let key = try read(environment: environment)
        SecretRedactor.shared.learn(privateKey: key)
        return key
    }

    private func read(environment: [String: String]) throws(PrivateKeyError) -> String {
        switch self {
        case .file(let path):
            return try Self.readRestricted(path)
        case .environment(let name):
            guard let value = environment[name], !value.isEmpty else { throw .missingEnvironment(name) }
            return value.trimmingCharacters(in: .whitespacesAndNewlines)
        case .systemdCredential:
            guard let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty else {
                throw .noCredentialsDirectory
            }
            return try Self.readRestricted(directory + "/private-key")
        }
    }

    /// Like ssh, a key that others could read is refused rather than used.
    private static func readRestricted(_ path: String) throws(PrivateKeyError) -> String {
        var info = stat()
        guard stat(path, &info) == 0 else { throw .unreadable(path, String(cString: strerror(errno))) }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else { throw .tooOpen(path, mode: mode) }
        guard let data = FileManager.default.contents(atPath: path),
              let text = String(data: data, encoding: .utf8) else {
            throw .unreadable(path, "not readable as UTF-8 text")
        }
        let key = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !key.isEmpty else { throw .unreadable(path, "the file is empty") }
        return key
    }
}

public enum PrivateKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    case tooOpen(String, mode: mode_t)
    case unreadable(String, String)
    case missingEnvironment(String)
    case noCredentialsDirectory

    public var description: String {
        switch self {
        case .tooOpen(let path, let mode):
            "private key file \(path) has permissions \(String(mode, radix: 8, uppercase: false).leftPadded(to: 4)): it must not be readable by group or others (chmod 600 \(path))"
        case .unreadable(let path, let reason):
            "cannot read private key file \(path): \(reason)"
        case .missingEnvironment(let name):
            "environment variable \(name) (api.private_key_env) is not set or empty"
        case .noCredentialsDirectory:
            "no private key configured: set api.private_key_file or api.private_key_env, or run under systemd with LoadCredential=private-key:… ($CREDENTIALS_DIRECTORY is not set)"
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
