import Foundation
import Logging
import PostgresNIO

/// One started server: its temporary directory (data, socket, log) and the watchdog that
/// removes it.
struct RunningPostgres: Sendable {
    static let administrator = "unpaidd_admin"
    static let testRole = "unpaidd_test"
    static let quiet = Logger(label: "test-postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    let directory: String
    let port: Int
    let administratorPassword: String
    let rolePassword: String
    /// Held open for the life of the process: its closing is what wakes the watchdog.
    let watchdogLine: Pipe

    static func start() async throws -> RunningPostgres {
        let binaries = try PostgresBinaries.find()
        let account = try ServerAccount.forCurrentProcess()
        let directory = try makeTemporaryDirectory(owner: account)
        let watchdogLine = try startWatchdog(binaries: binaries, directory: directory, account: account)
        let administratorPassword = randomPassword()
        let passwordFile = directory + "/administrator-password"
        try account.writeOwnedFile(passwordFile, contents: administratorPassword)
        try await account.run(binaries.initdb, [
            "--pgdata", directory + "/data", "--username", administrator, "--pwfile", passwordFile,
            "--auth", "scram-sha-256", "--encoding", "UTF8", "--locale", "C", "--no-sync",
        ], in: directory)
        try FileManager.default.removeItem(atPath: passwordFile)
        try appendSettings(to: directory + "/data/postgresql.conf", socketDirectory: directory)

        let port = try await startServer(binaries: binaries, directory: directory, account: account,
                                         administratorPassword: administratorPassword)
        let server = RunningPostgres(directory: directory, port: port, administratorPassword: administratorPassword,
                                     rolePassword: randomPassword(), watchdogLine: watchdogLine)
        try await server.asAdministrator { connection in
            _ = try await connection.query(
                PostgresQuery(unsafeSQL: "CREATE ROLE \(testRole) LOGIN PASSWORD '\(server.rolePassword)'"), logger: quiet)
        }
        return server
    }

    func asAdministrator<Result: Sendable>(
        database: String = "postgres", _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let configuration = PostgresConnection.Configuration(
            host: "127.0.0.1", port: port, username: Self.administrator, password: administratorPassword,
            database: database, tls: .disable)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: Self.quiet)
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Speed over durability (a test cluster never survives a crash anyway), and room for
    /// many parallel tests, each with its own pool.
    private static func appendSettings(to path: String, socketDirectory: String) throws {
        let settings = """

            # unpaidd tests
            listen_addresses = '127.0.0.1'
            unix_socket_directories = '\(socketDirectory)'
            fsync = off
            synchronous_commit = off
            full_page_writes = off
            max_connections = 300
            shared_buffers = 64MB

            """
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(settings.utf8))
    }

    /// Picks a free port and starts the server on it; another process may take the port in
    /// between, so a server that exits at once is started again on a new one. The server is
    /// started directly rather than by `pg_ctl start`, whose daemonised server would inherit
    /// the descriptor Foundation watches to learn that `pg_ctl` exited.
    private static func startServer(binaries: PostgresBinaries, directory: String, account: ServerAccount,
                                    administratorPassword: String) async throws -> Int {
        for _ in 1...5 {
            let port = try freeLoopbackPort()
            let server = try account.spawn(binaries.postgres, ["-D", directory + "/data", "-p", "\(port)"],
                                           in: directory, output: directory + "/server.log")
            let probe = PostgresConnection.Configuration(
                host: "127.0.0.1", port: port, username: administrator, password: administratorPassword,
                database: "postgres", tls: .disable)
            let deadline = ContinuousClock.now + .seconds(60)
            while server.isRunning, ContinuousClock.now < deadline {
                if let connection = try? await PostgresConnection.connect(configuration: probe, id: 0, logger: quiet) {
                    try? await connection.close()
                    return port
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            if server.isRunning { server.terminate() }
        }
        let log = (try? String(contentsOfFile: directory + "/server.log", encoding: .utf8)) ?? ""
        throw TestPostgresError.commandFailed(command: "\(binaries.postgres) -D \(directory)/data", status: -1,
                                              output: String(log.suffix(4_000)))
    }

    /// A shell that waits for its standard input to close (the test process exited or was
    /// killed: the kernel closes the pipe either way), then stops the server at once and
    /// removes the directory. It ignores the terminal's signals, which are meant for the tests.
    private static func startWatchdog(binaries: PostgresBinaries, directory: String,
                                      account: ServerAccount) throws -> Pipe {
        let script = """
            trap '' INT TERM HUP QUIT
            pg_ctl=$1; directory=$2; shift 2
            read -r _ || true
            if [ -f "$directory/data/postmaster.pid" ]; then
              "$@" "$pg_ctl" stop --pgdata "$directory/data" --mode immediate >/dev/null 2>&1
            fi
            rm -rf "$directory"
            """
        let line = Pipe()
        let watchdog = Process()
        watchdog.executableURL = URL(fileURLWithPath: "/bin/sh")
        watchdog.arguments = ["-c", script, "unpaidd-test-postgres-watchdog", binaries.pgCtl, directory]
            + account.commandPrefix
        watchdog.standardInput = line
        watchdog.standardOutput = FileHandle.nullDevice
        watchdog.standardError = FileHandle.nullDevice
        watchdog.currentDirectoryURL = URL(fileURLWithPath: "/")
        try watchdog.run()
        return line
    }

    private static func makeTemporaryDirectory(owner: ServerAccount) throws -> String {
        var template = Array("/tmp/unpaidd-pg-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw TestPostgresError.commandFailed(command: "mkdtemp /tmp/unpaidd-pg-XXXXXX", status: errno,
                                                  output: String(cString: strerror(errno)))
        }
        let directory = String(cString: made)
        try owner.takeOwnership(of: directory)
        return directory
    }

    private static func freeLoopbackPort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw TestPostgresError.noFreePort(String(cString: strerror(errno))) }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(socket, generic, length) == 0 && getsockname(socket, generic, &length) == 0
            }
        }
        guard bound else { throw TestPostgresError.noFreePort(String(cString: strerror(errno))) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func randomPassword() -> String {
        (0..<24).map { _ in String(UInt8.random(in: 0...255), radix: 16) }.joined()
    }
}
