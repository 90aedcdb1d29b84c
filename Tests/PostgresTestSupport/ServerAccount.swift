import Foundation

/// The user the server runs as. PostgreSQL refuses to run as root, and CI runs as root: then
/// the server runs as Debian's `postgres` account (or `nobody`), through `setpriv`.
struct ServerAccount: Sendable {
    let name: String
    let uid: uid_t
    let gid: gid_t
    /// Prepended to every command, empty when the process is not root.
    let commandPrefix: [String]

    static func forCurrentProcess() throws -> ServerAccount {
        guard getuid() == 0 else { return ServerAccount(name: "", uid: getuid(), gid: getgid(), commandPrefix: []) }
        for name in ["postgres", "nobody"] {
            guard let entry = getpwnam(name) else { continue }
            let uid = entry.pointee.pw_uid, gid = entry.pointee.pw_gid
            return ServerAccount(name: name, uid: uid, gid: gid, commandPrefix: [
                try PostgresBinaries.onPath("setpriv"), "--reuid=\(uid)", "--regid=\(gid)", "--clear-groups", "--",
            ])
        }
        throw TestPostgresError.noUnprivilegedAccount
    }

    func takeOwnership(of path: String) throws {
        guard !commandPrefix.isEmpty else { return }
        guard chown(path, uid, gid) == 0 else {
            throw TestPostgresError.commandFailed(command: "chown \(name) \(path)", status: errno,
                                                  output: String(cString: strerror(errno)))
        }
    }

    func writeOwnedFile(_ path: String, contents: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(contents.utf8),
                                             attributes: [.posixPermissions: 0o600]) else {
            throw TestPostgresError.commandFailed(command: "create \(path)", status: errno, output: String(cString: strerror(errno)))
        }
        try takeOwnership(of: path)
    }

    /// Runs a command as this account in `directory`, its output kept in a file there (a pipe
    /// could fill and stall it), and waits without holding a thread.
    func run(_ executable: String, _ arguments: [String], in directory: String) async throws {
        let outputPath = directory + "/command-\(UUID().uuidString).log"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        defer { try? output.close() }

        let command = commandPrefix + [executable] + arguments
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = ProcessInfo.processInfo.environment.merging(["LC_ALL": "C"]) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        guard status == 0 else {
            let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            let log = (try? String(contentsOfFile: directory + "/server.log", encoding: .utf8)) ?? ""
            throw TestPostgresError.commandFailed(command: ([executable] + arguments).joined(separator: " "),
                                                  status: status, output: text + log.suffix(2_000))
        }
    }

    /// Starts a long-running command as this account, its output appended to `outputPath`.
    func spawn(_ executable: String, _ arguments: [String], in directory: String, output outputPath: String) throws -> Process {
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        try takeOwnership(of: outputPath)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        defer { try? output.close() }
        let command = commandPrefix + [executable] + arguments
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = ProcessInfo.processInfo.environment.merging(["LC_ALL": "C"]) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        try process.run()
        return process
    }
}
