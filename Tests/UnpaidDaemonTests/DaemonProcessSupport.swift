import BillingSimulator
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Ledger
import SQLiteLedger
import Testing

/// The built `unpaidd` and `unpaidd-sim` executables, found next to the test bundle.
enum BuiltProducts {
    static let directory: String? = {
        let packageRoot = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let candidates = [Bundle.main.executableURL?.deletingLastPathComponent(),
                          Bundle.main.bundleURL.deletingLastPathComponent(),
                          packageRoot.appending(path: ".build/debug")].compactMap { $0?.path }
        return candidates.first { directory in
            ["unpaidd", "unpaidd-sim"].allSatisfy { FileManager.default.isExecutableFile(atPath: directory + "/" + $0) }
        }
    }()

    static var available: Bool { directory != nil }
    static let missing = "unpaidd and unpaidd-sim are not built next to the test bundle: run `swift build` first"
}

/// Waits for `condition` by checking it every `interval`, failing after `timeout`: the
/// processes under test run on real time, but no test depends on how long anything takes.
/// The default outlasts a daemon's first run on a 2-core machine busy with the whole
/// parallel suite (60 s did not, once, under an added CPU load).
func eventually(_ what: String, timeout: Double = 120, interval: Double = 0.05,
                _ condition: () throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(timeout)
    while try !condition() {
        guard Date() < deadline else { throw TimedOut(what: what, seconds: timeout) }
        try await Task.sleep(for: .seconds(interval))
    }
}

struct TimedOut: Error, CustomStringConvertible {
    let what: String
    let seconds: Double
    var description: String { "gave up after \(seconds) s waiting for \(what)" }
}

/// A child process with its stderr in a file, stopped (SIGKILL) if a test leaves it running.
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    let logPath: String

    init(_ executable: String, _ arguments: [String], logPath: String, environment: [String: String] = [:]) throws {
        self.logPath = logPath
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(filePath: executable)
        process.arguments = arguments
        var inherited = ProcessInfo.processInfo.environment
        for key in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM", "CREDENTIALS_DIRECTORY"] {
            inherited[key] = nil
        }
        process.environment = inherited.merging(environment) { $1 }
        // One open file for both streams: two would each write from offset 0, and whichever
        // wrote later would overwrite the other's lines.
        let log = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// The exit status once the process ended by itself, within `timeout`.
    func exitStatus(timeout: Double = 90) async throws -> Int32 {
        try await eventually("process \(process.executableURL?.lastPathComponent ?? "?") to exit", timeout: timeout) {
            !process.isRunning
        }
        return process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// A simulator process and a daemon configuration pointing at it, in a temporary folder.
struct DaemonFixture {
    static let publicKey = "process-test-public-key"
    static let privateKey = "process-test-private-key-0123456789"

    let directory: String
    let simulator: ChildProcess
    let port: Int

    static func start(ordersPerOrganization: Int = 300) async throws -> DaemonFixture {
        let bin = BuiltProducts.directory!
        let directory = "/tmp/unpaidd-proc-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let keyFile = directory + "/private-key"
        _ = FileManager.default.createFile(atPath: keyFile, contents: Data(privateKey.utf8),
                                       attributes: [.posixPermissions: 0o600])
        let simulator = try ChildProcess(bin + "/unpaidd-sim", [
            "--port", "0", "--port-file", directory + "/sim.port", "--public-key", publicKey,
            "--private-key-file", keyFile, "--orgs", "2", "--orders-per-org", "\(ordersPerOrganization)",
            // Orders from this month only, so the month-to-date job finds them on the 1st too.
            "--earliest-start", "\(UnpaiddConfigurationText.monthToDateStart(at: Date()))",
        ], logPath: directory + "/sim.log")
        try await eventually("the simulator's port file") { FileManager.default.fileExists(atPath: directory + "/sim.port") }
        let text = try String(contentsOfFile: directory + "/sim.port", encoding: .utf8)
        let port = try #require(Int(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        return DaemonFixture(directory: directory, simulator: simulator, port: port)
    }

    var configPath: String { directory + "/unpaidd.toml" }
    var database: String { directory + "/ledger.sqlite" }
    var spool: String { directory + "/archive/.spool" }

    func writeConfig(schedule: String = "@every 1s", extraJob: String = "", graceSeconds: Int = 30,
                     maxAttempts: Int = 3, tail: String = "") throws {
        var text = UnpaiddConfigurationText(apiURL: "http://127.0.0.1:\(port)", publicKey: Self.publicKey,
                                            privateKeySetting: #"private_key_file = "\#(directory)/private-key""#,
                                            directory: directory, organizations: [100001, 100002])
        text.apiKeys = "max_attempts = \(maxAttempts)"
        text.jobKeys = "schedule = \"\(schedule)\"\n\(extraJob)"
        text.tables = "\(tail)\n[daemon]\nshutdown_grace_seconds = \(graceSeconds)"
        try text.text.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// Arms a simulator fault through its admin API (`POST /_sim/faults`).
    func injectFault(_ fault: String, count: Int) async throws {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/_sim/faults")!)
        request.httpMethod = "POST"
        request.httpBody = Data(#"{"fault":"\#(fault)","count":\#(count)}"#.utf8)
        let (_, response) = try await URLSession.shared.data(for: request)
        try #require((response as? HTTPURLResponse)?.statusCode == 200, "arming \(fault) failed: \(response)")
    }

    /// Makes the simulator refuse (or serve again) one organization's exports.
    func setOutage(organization: Int64, down: Bool) async throws {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/_sim/outage")!)
        request.httpMethod = "POST"
        request.httpBody = Data(#"{"organization":\#(organization),"down":\#(down)}"#.utf8)
        let (_, response) = try await URLSession.shared.data(for: request)
        try #require((response as? HTTPURLResponse)?.statusCode == 200, "setting the outage failed: \(response)")
    }

    func setPhase(_ phase: Int) async throws {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/_sim/phase")!)
        request.httpMethod = "POST"
        request.httpBody = Data(#"{"phase":\#(phase)}"#.utf8)
        let (_, response) = try await URLSession.shared.data(for: request)
        try #require((response as? HTTPURLResponse)?.statusCode == 200, "setting phase \(phase) failed: \(response)")
    }

    func startDaemon(name: String = "daemon", environment: [String: String] = [:]) throws -> ChildProcess {
        try ChildProcess(BuiltProducts.directory! + "/unpaidd", ["run", "--config", configPath],
                         logPath: directory + "/\(name).log", environment: environment)
    }

    func succeededRuns(_ ledger: SQLiteLedger) throws -> Int {
        try ledger.runs(status: .succeeded).count
    }

    func spoolFiles() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: spool)) ?? []
    }

    func stop() {
        simulator.signal(SIGTERM)
        try? FileManager.default.removeItem(atPath: directory)
    }
}
