import Foundation

/// The installed server's programs, from one installation: on PATH (following its links to
/// the real directory) or the newest under Debian's `/usr/lib/postgresql/*/bin`.
struct PostgresBinaries: Sendable {
    let initdb: String
    let pgCtl: String
    let postgres: String

    static func find() throws -> PostgresBinaries {
        var directories: [String] = []
        if let initdb = try? onPath("initdb") {
            directories.append((try? FileManager.default.destinationOfSymbolicLink(atPath: initdb))
                .map { URL(fileURLWithPath: $0, relativeTo: URL(fileURLWithPath: initdb)).deletingLastPathComponent().path }
                ?? URL(fileURLWithPath: initdb).deletingLastPathComponent().path)
        }
        let debian = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: debian)) ?? []
        directories += versions.compactMap(Int.init).sorted(by: >).map { "\(debian)/\($0)/bin" }
        for directory in directories {
            let programs = ["initdb", "pg_ctl", "postgres"].map { directory + "/" + $0 }
            if programs.allSatisfy(FileManager.default.isExecutableFile(atPath:)) {
                return PostgresBinaries(initdb: programs[0], pgCtl: programs[1], postgres: programs[2])
            }
        }
        throw TestPostgresError.notInstalled
    }

    static func onPath(_ name: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        let candidates = path.split(separator: ":").map { "\($0)/\(name)" } + ["/usr/bin/\(name)", "/usr/sbin/\(name)"]
        guard let found = candidates.first(where: FileManager.default.isExecutableFile(atPath:)) else {
            throw name == "initdb" ? TestPostgresError.notInstalled : TestPostgresError.missingTool(name)
        }
        return found
    }
}

/// Why the test server could not start; each says what to install or look at.
public enum TestPostgresError: Error, CustomStringConvertible {
    case notInstalled
    case missingTool(String)
    case noUnprivilegedAccount
    case noFreePort(String)
    case commandFailed(command: String, status: Int32, output: String)

    public var description: String {
        switch self {
        case .notInstalled:
            "PostgreSQL is not installed (no initdb on PATH or under /usr/lib/postgresql/*/bin): the PostgreSQL ledger tests need a real server; install Debian's package: apt-get install postgresql"
        case .missingTool(let name):
            "\(name) is not on PATH: the tests need it to run PostgreSQL as an unprivileged user (Debian: apt-get install util-linux)"
        case .noUnprivilegedAccount:
            "running as root, but neither a postgres nor a nobody account exists to run the test PostgreSQL server as (PostgreSQL refuses root)"
        case .noFreePort(let reason):
            "no free TCP port on 127.0.0.1 for the test PostgreSQL server: \(reason)"
        case .commandFailed(let command, let status, let output):
            "\(command) exited with status \(status):\n\(output)"
        }
    }
}
