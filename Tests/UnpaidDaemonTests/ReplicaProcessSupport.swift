import BillingSimulator
import Foundation
import Ledger
import Logging
import PostgresLedger
import PostgresNIO
import PostgresTestSupport

/// Replicas of `unpaidd run` (real processes) on one PostgreSQL database of the test cluster
/// against one simulator, with one configuration, connecting as a replica role that holds
/// only the grants of `etc/postgresql/replica-grants.sql`. The test reads the shared
/// ledger as its owner.
struct ReplicaProcesses {
    static let publicKey = "replica-test-public-key"
    static let privateKey = "replica-test-private-key-0123456789"

    let directory: String
    let simulator: BillingSimulator
    let owner: PostgresLocation
    let role: ReplicaRole
    let configPath: String

    /// `tables` are appended to the configuration (`[daemon]`, `[[target]]`, `[[alert]]`);
    /// `jobKeys` to its one job.
    static func start(organizations: Int, jobKeys: String, tables: String) async throws -> ReplicaProcesses {
        let directory = "/tmp/unpaidd-replicas-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let cluster = TestPostgresCluster.shared
        let owner = try await cluster.freshDatabase()
        // The owner migrates once; the replicas' role could not.
        try await PostgresLedger.withLedger(owner, environment: try await cluster.environment(), logger: quiet) { _ in }
        let role = try await cluster.replicaRole(for: owner)
        let simulator = try await BillingSimulator.start(configuration: SimulatorConfiguration(
            credentials: [publicKey: privateKey], organizationCount: organizations,
            earliestStart: UnpaiddConfigurationText.monthToDateStart(at: Date())))
        var text = UnpaiddConfigurationText(apiURL: simulator.apiURL, publicKey: publicKey,
                                            privateKeySetting: #"private_key_env = "UNPAIDD_TEST_KEY""#,
                                            directory: directory, organizations: simulator.catalog.organizationIDs)
        let port = try await cluster.endpoint().port
        text.database = "postgresql://\(role.name)@127.0.0.1:\(port)/\(owner.database)?sslmode=disable&connect_timeout=60"
        text.storageKeys = #"password_env = "\#(ReplicaRole.passwordVariable)""#
        text.jobKeys = jobKeys
        text.tables = tables
        let configPath = directory + "/unpaidd.toml"
        try text.text.write(toFile: configPath, atomically: true, encoding: .utf8)
        return ReplicaProcesses(directory: directory, simulator: simulator, owner: owner, role: role,
                                configPath: configPath)
    }

    static let quiet = Logger(label: "replicas") { _ in SwiftLogNoOpLogHandler() }

    var organizations: [Int64] { simulator.catalog.organizationIDs }

    func startReplica(_ name: String) throws -> ChildProcess {
        try ChildProcess(BuiltProducts.directory! + "/unpaidd", ["run", "--config", configPath],
                         logPath: directory + "/\(name).log",
                         environment: ["UNPAIDD_TEST_KEY": Self.privateKey].merging(role.environment) { $1 })
    }

    /// Runs `body` with the shared ledger open as its owner, to watch what the replicas do.
    func watching<Result>(_ body: (LedgerWatch) async throws -> Result) async throws -> Result {
        try await PostgresLedger.withLedger(owner, environment: try await TestPostgresCluster.shared.environment(),
                                            logger: Self.quiet, maximumConnections: 2) { ledger in
            try await body(LedgerWatch(ledger: ledger))
        }
    }

    /// Runs `body`; an error it throws carries what each replica logged at notice level and
    /// above, and their whole logs are kept beside the removed folder, so an intermittent
    /// failure can be diagnosed from the run that showed it.
    func explainingFailures<Result>(of replicas: [ChildProcess], _ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch {
            let kept = directory + "-failed"
            try? FileManager.default.createDirectory(atPath: kept, withIntermediateDirectories: true)
            var notable: [String] = []
            for replica in replicas {
                let name = URL(filePath: replica.logPath).lastPathComponent
                try? FileManager.default.copyItem(atPath: replica.logPath, toPath: kept + "/" + name)
                let lines = replica.log.split(separator: "\n").filter { line in
                    let level = line.split(separator: " ", maxSplits: 2).dropFirst().first
                    return ["notice", "warning", "error", "critical"].contains(level.map(String.init) ?? "")
                }
                notable.append("--- \(name) (pid \(replica.process.processIdentifier)), last notable lines:\n"
                               + lines.suffix(40).joined(separator: "\n"))
            }
            throw ReplicasFailed(underlying: error, keptLogs: kept, notable: notable)
        }
    }

    struct ReplicasFailed: Error, CustomStringConvertible {
        let underlying: any Error
        let keptLogs: String
        let notable: [String]
        var description: String { "\(underlying)\nreplica logs kept in \(keptLogs)\n" + notable.joined(separator: "\n") }
    }

    func stop() async {
        await simulator.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// The rows of the shared ledger the three-replica test reasons about, read in one go each.
struct LedgerWatch {
    let ledger: PostgresLedger

    struct Fire: Hashable {
        let job: String
        let scheduledAt: Date
    }

    struct WorkItem {
        let fire: Fire
        let organizationID: Int64
        let leaseOwner: String?
        let leaseIsLive: Bool
        let outcome: String?
        let snapshotID: Int64?
    }

    struct Snapshot {
        let id: Int64
        let job: String
        let organizationID: Int64
    }

    struct Delivery {
        let messageID: String
        let status: String
    }

    func workItems() async throws -> [WorkItem] {
        try await ledger.read { connection in
            let rows = try await connection.query("""
                SELECT job, scheduled_at, organization_id, lease_owner, lease_until > clock_timestamp(), outcome, snapshot_id
                FROM work_item ORDER BY scheduled_at, organization_id
                """, logger: ReplicaProcesses.quiet)
            var items: [WorkItem] = []
            for try await (job, at, organization, owner, live, outcome, snapshot)
                in rows.decode((String, Date, Int64, String?, Bool, String?, Int64?).self) {
                items.append(WorkItem(fire: Fire(job: job, scheduledAt: at), organizationID: organization,
                                      leaseOwner: owner, leaseIsLive: live, outcome: outcome, snapshotID: snapshot))
            }
            return items
        }
    }

    /// Every claimed fire, and whether it is complete.
    func fires() async throws -> [(fire: Fire, complete: Bool)] {
        try await ledger.read { connection in
            let rows = try await connection.query(
                "SELECT job, scheduled_at, completed_at IS NOT NULL FROM work_fire ORDER BY scheduled_at",
                logger: ReplicaProcesses.quiet)
            var fires: [(Fire, Bool)] = []
            for try await (job, at, complete) in rows.decode((String, Date, Bool).self) {
                fires.append((Fire(job: job, scheduledAt: at), complete))
            }
            return fires
        }
    }

    func snapshots() async throws -> [Snapshot] {
        try await ledger.read { connection in
            let rows = try await connection.query("""
                SELECT s.id, e.job, e.organization_id FROM snapshot s JOIN series e ON e.id = s.series_id ORDER BY s.id
                """, logger: ReplicaProcesses.quiet)
            var snapshots: [Snapshot] = []
            for try await (id, job, organization) in rows.decode((Int64, String, Int64).self) {
                snapshots.append(Snapshot(id: id, job: job, organizationID: organization))
            }
            return snapshots
        }
    }

    func deliveries() async throws -> [Delivery] {
        try await ledger.read { connection in
            let rows = try await connection.query("SELECT message_id, status FROM outbox ORDER BY id",
                                                  logger: ReplicaProcesses.quiet)
            var deliveries: [Delivery] = []
            for try await (id, status) in rows.decode((String, String).self) {
                deliveries.append(Delivery(messageID: id, status: status))
            }
            return deliveries
        }
    }
}

extension ChildProcess {
    /// The process id inside a replica id (`host:pid:random`), as the claims record it.
    static func processID(inReplica replica: String) -> Int32? {
        let parts = replica.split(separator: ":")
        return parts.count >= 3 ? Int32(parts[parts.count - 2]) : nil
    }
}

/// Waits for a condition that needs the database, checking it every `interval` and failing
/// after `timeout`, a generous limit rather than the thing tested.
func waitUntil(_ what: String, timeout: Double = 120, interval: Double = 0.05,
               _ condition: () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(timeout)
    while try await !condition() {
        guard Date() < deadline else { throw TimedOut(what: what, seconds: timeout) }
        try await Task.sleep(for: .seconds(interval))
    }
}
