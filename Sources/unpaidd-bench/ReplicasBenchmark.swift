import ArgumentParser
import BillingSimulator
import Foundation
import Logging
import PostgresLedger
import PostgresNIO
import Synchronization

/// `replicas`: several `unpaidd run` processes on one PostgreSQL ledger fetch every
/// organization of one scheduled fire from the in-process simulator. Prints the wall time
/// from the fire to the last organization recorded, and the API calls per second the
/// simulator saw (mean, and the most in any one second) against `api_calls_per_second`,
/// which the replicas share as the account's.
struct ReplicasBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replicas",
        abstract: "Time N replicas of unpaidd run on one PostgreSQL ledger fetching one fire of many organizations.")

    @Option(help: "postgresql://USER@HOST:PORT/DATABASE of an empty database the user owns.")
    var url: String

    @Option(name: .customLong("password-env"), help: "Environment variable holding the password (the replicas get it too).")
    var passwordEnvironment: String?

    @Option(help: "Replicas of unpaidd run.")
    var replicas = 3

    @Option(help: "Organizations, split evenly over the jobs.")
    var organizations = 300

    @Option(help: "Jobs firing at the same instant (replicas claim whole fires, so several let them share the work).")
    var jobs = 3

    @Option(help: "Unpaid orders per organization.")
    var orders = 30

    @Option(name: .customLong("api-calls-per-second"), help: "[daemon] api_calls_per_second, the account's limit.")
    var apiCallsPerSecond = 20.0

    @Option(name: .customLong("max-concurrent-organizations"), help: "[daemon] max_concurrent_organizations.")
    var maxConcurrentOrganizations = 8

    @Option(help: "The unpaidd executable (default: beside unpaidd-bench).")
    var unpaidd: String?

    func run() async throws {
        let executable = unpaidd ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appending(path: "unpaidd").path
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw ValidationError("no unpaidd executable at \(executable): build it (swift build -c release --product unpaidd) or pass --unpaidd")
        }
        let location = try PostgresLocation(url: url, passwordEnvironment: passwordEnvironment, key: "--url")
        let logger = Logger(label: "replicas") { _ in SwiftLogNoOpLogHandler() }
        let directory = FileManager.default.temporaryDirectory.appending(path: "unpaidd-replicas-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        print("replicas: \(replicas) x unpaidd run, \(organizations) organizations in \(jobs) jobs x \(orders) orders, "
            + "api_calls_per_second \(apiCallsPerSecond), max_concurrent_organizations \(maxConcurrentOrganizations) "
            + "(load average \(ProcessMeasurement.loadAverage))")

        let apiCalls = APICallLog()
        let simulator = try await BillingSimulator.start(configuration: SimulatorConfiguration(
            credentials: [Self.publicKey: Self.privateKey], organizationCount: organizations,
            ordersPerOrganization: orders, earliestStart: UnpaiddConfigurationText.monthToDateStart(at: Date()),
            log: { line in apiCalls.note(line) }))
        defer { Task { await simulator.stop() } }
        let fire = Self.nextMinute(atLeast: 20)
        let configPath = directory + "/unpaidd.toml"
        try configuration(simulator: simulator, directory: directory, fire: fire)
            .write(toFile: configPath, atomically: true, encoding: .utf8)

        try await PostgresLedger.withLedger(location, logger: logger, maximumConnections: 2) { ledger in
            guard try await Self.count("SELECT count(*)::BIGINT FROM run", ledger) == 0 else {
                throw ValidationError("\(location) already holds runs: give the benchmark an empty database")
            }
            let processes = try (1...replicas).map { index in
                try Self.start(executable, configPath: configPath, log: directory + "/replica-\(index).log")
            }
            defer { for process in processes where process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            print("  fire at \(fire.formatted(.iso8601)) (in \(Int(fire.timeIntervalSinceNow.rounded())) s)")
            try await Self.waitForEveryOrganization(organizations, of: fire, ledger: ledger, processes: processes)
            let finished = try await Self.lastFinish(ledger)
            for process in processes { kill(process.processIdentifier, SIGTERM) }
            for process in processes { process.waitUntilExit() }
            try await report(ledger: ledger, fire: fire, finished: finished, calls: apiCalls.times())
        }
    }

    private func report(ledger: PostgresLedger, fire: Date, finished: Date, calls: [Date]) async throws {
        print("  wall time, fire to last organization recorded: \(format(finished.timeIntervalSince(fire))) s")
        guard let first = calls.first, let last = calls.last, calls.count > 1 else {
            throw ValidationError("the simulator saw \(calls.count) API calls")
        }
        let span = last.timeIntervalSince(first)
        var busiest = 0
        var windowStart = 0
        for (index, call) in calls.enumerated() {
            while call.timeIntervalSince(calls[windowStart]) >= 1 { windowStart += 1 }
            busiest = max(busiest, index - windowStart + 1)
        }
        print("  API calls: \(calls.count) in \(format(span)) s, \(format(Double(calls.count - 1) / span))/s on average, "
            + "at most \(busiest) in any 1 s, as the simulator received them (limit \(apiCallsPerSecond)/s)")
        let shares = try await ledger.read { connection in
            var shares: [(String, Int64)] = []
            let rows = try await connection.query("""
                SELECT lease_owner, count(*)::BIGINT FROM work_item WHERE outcome = 'recorded' GROUP BY lease_owner ORDER BY 1
                """, logger: Logger(label: "replicas") { _ in SwiftLogNoOpLogHandler() })
            for try await (owner, count) in rows.decode((String, Int64).self) { shares.append((owner, count)) }
            return shares
        }
        print("  organizations per replica: " + shares.map { "\($0.1)" }.joined(separator: ", "))
    }

    static let publicKey = "bench-public-key"
    static let privateKey = "bench-private-key-0123456789"

    /// One configuration for every replica: `jobs` jobs, all firing once at `fire`.
    private func configuration(simulator: BillingSimulator, directory: String, fire: Date) throws -> String {
        let zone = TimeZone(identifier: UnpaiddConfigurationText.timeZone)!
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.minute, .hour, .day, .month], from: fire)
        let cron = "\(parts.minute!) \(parts.hour!) \(parts.day!) \(parts.month!) *"
        let all = simulator.catalog.organizationIDs
        let perJob = (all.count + jobs - 1) / jobs
        let groups = stride(from: 0, to: all.count, by: perJob).map { Array(all[$0..<min($0 + perJob, all.count)]) }
        var text = UnpaiddConfigurationText(apiURL: simulator.apiURL, publicKey: Self.publicKey,
                                            privateKeySetting: #"private_key_env = "UNPAIDD_BENCH_KEY""#,
                                            directory: directory, organizations: groups[0])
        text.database = url
        text.storageKeys = passwordEnvironment.map { #"password_env = "\#($0)""# } ?? ""
        text.jobName = "bench-1"
        text.jobKeys = #"schedule = "\#(cron)""#
        text.tables = groups.enumerated().dropFirst().map { index, organizations in
            """
            [[job]]
            name = "bench-\(index + 1)"
            organizations = [\(organizations.map(String.init).joined(separator: ", "))]
            period = "month-to-date"
            schedule = "\(cron)"
            """
        }.joined(separator: "\n") + """

            [daemon]
            api_calls_per_second = \(apiCallsPerSecond)
            max_concurrent_organizations = \(maxConcurrentOrganizations)
            """
        return text.text
    }

    /// The first whole minute at least `seconds` away: time for every replica to start and
    /// wait for it, so they race for its fires as they would in production.
    static func nextMinute(atLeast seconds: TimeInterval) -> Date {
        let earliest = Date().addingTimeInterval(seconds).timeIntervalSince1970
        return Date(timeIntervalSince1970: (earliest / 60).rounded(.up) * 60)
    }

    static func start(_ executable: String, configPath: String, log: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["run", "--config", configPath, "--log-level", "warning"]
        process.environment = ProcessInfo.processInfo.environment.merging(["UNPAIDD_BENCH_KEY": privateKey]) { $1 }
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = output
        process.standardError = output
        try process.run()
        return process
    }

    static func waitForEveryOrganization(_ organizations: Int, of fire: Date, ledger: PostgresLedger,
                                         processes: [Process]) async throws {
        while try await count("SELECT count(*)::BIGINT FROM work_item WHERE outcome IS NOT NULL", ledger) < organizations {
            if let stopped = processes.first(where: { !$0.isRunning }) {
                throw ValidationError("a replica exited with status \(stopped.terminationStatus) before the fire was done: see its log")
            }
            guard Date() < fire.addingTimeInterval(3_600) else { throw ValidationError("the fire was not done within an hour") }
            try await Task.sleep(for: .milliseconds(100))
        }
        let failed = try await count("SELECT count(*)::BIGINT FROM work_item WHERE outcome = 'failed'", ledger)
        guard failed == 0 else { throw ValidationError("\(failed) organization(s) failed: see the replicas' logs") }
    }

    static func lastFinish(_ ledger: PostgresLedger) async throws -> Date {
        try await ledger.read { connection in
            let rows = try await connection.query("SELECT max(finished_at) FROM work_item",
                                                  logger: Logger(label: "replicas") { _ in SwiftLogNoOpLogHandler() })
            for try await last in rows.decode(Date.self) { return last }
            throw ValidationError("no organization finished")
        }
    }

    static func count(_ sql: String, _ ledger: PostgresLedger) async throws -> Int64 {
        try await ledger.read { connection in
            let rows = try await connection.query(PostgresQuery(unsafeSQL: sql),
                                                  logger: Logger(label: "replicas") { _ in SwiftLogNoOpLogHandler() })
            for try await value in rows.decode(Int64.self) { return value }
            return 0
        }
    }
}

/// When the simulator answered each API call (`POST /`; downloads are `GET` of a path), from
/// its request log.
final class APICallLog: Sendable {
    private let calls = Mutex<[Date]>([])

    func note(_ line: String) {
        guard line.hasPrefix("POST / ") || line.hasPrefix("GET / ") else { return }
        calls.withLock { $0.append(Date()) }
    }

    func times() -> [Date] { calls.withLock { $0 }.sorted() }
}
