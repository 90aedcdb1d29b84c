import Foundation
import Logging
import PostgresLedger
import PostgresTestSupport
import Testing
@testable import UnpaidDaemon

/// Replicas standing on one set of shared work claims, and the limits they share. The
/// same test bodies run on every backend.
struct ClaimsFixture: Sendable {
    /// One `WorkClaims` per replica, all on the same claims.
    let replicas: [any WorkClaims]
    /// Per replica, the account-wide limits as that replica holds them; nil where the
    /// backend does not share them yet.
    let limits: [(organizations: any OrganizationLimit, apiCalls: any APICallLimit)]?
    /// Lets `seconds` pass on the clock the claims judge leases by.
    let passTime: @Sendable (_ seconds: TimeInterval) async throws -> Void
    /// The time on that clock.
    let now: @Sendable () -> Date

    var leaseDuration: TimeInterval { replicas[0].leaseDuration }

    /// Lets every lease held now expire.
    func expireLeases() async throws { try await passTime(leaseDuration + 0.5) }
}

struct ClaimsBackend: Sendable, CustomTestStringConvertible {
    typealias Body = (ClaimsFixture) async throws -> Void

    let name: String
    let sharesLimits: Bool
    let withFixture: @Sendable (_ replicas: Int, _ settings: DaemonSettings, _ body: Body) async throws -> Void

    var testDescription: String { name }

    func withFixture(replicas: Int = 2, settings: DaemonSettings = DaemonSettings(), _ body: Body) async throws {
        try await withFixture(replicas, settings, body)
    }

    /// Claims in memory on a manual clock; the limits are one process's, shared by all.
    static let inProcess = ClaimsBackend(name: "in-process", sharesLimits: true) { count, settings, body in
        let clock = ManualWallClock(now: instant("2026-11-22T10:00:00Z"))
        let first = InProcessWorkClaims(replica: ReplicaID("replica-0"), clock: clock, leaseDuration: 60)
        let limits = SharedLimits(settings, clock: clock)
        try await body(ClaimsFixture(
            replicas: (0..<count).map { first.replica(ReplicaID("replica-\($0)")) },
            limits: Array(repeating: (limits.organizations, limits.apiCalls), count: count),
            passTime: { clock.advance(by: $0) }, now: { clock.now() }))
    }

    /// Leases on the PostgreSQL backend, judged by the server's clock in real time: long
    /// enough that a loaded CI machine stalling between two steps of a test does not expire
    /// a lease the test still holds (1 s did, once, under a parallel run).
    static let postgresLeaseSeconds: TimeInterval = 5

    /// A fresh database in the test cluster; leases of a few seconds, so time passes for real.
    static let postgres = ClaimsBackend(name: "postgres", sharesLimits: true) { count, settings, body in
        let cluster = TestPostgresCluster.shared
        let location = try await cluster.freshDatabase()
        let logger = Logger(label: "claims") { _ in SwiftLogNoOpLogHandler() }
        try await PostgresLedger.withLedger(location, environment: try await cluster.environment(), logger: logger) { ledger in
            try await body(ClaimsFixture(
                replicas: (0..<count).map { PostgresWorkClaims(ledger: ledger, replica: ReplicaID("replica-\($0)"),
                                                                leaseDuration: postgresLeaseSeconds) },
                limits: (0..<count).map { index in
                    (PostgresOrganizationLimit(ledger: ledger, limit: settings.maxConcurrentOrganizations,
                                               replica: ReplicaID("replica-\(index)"),
                                               leaseDuration: postgresLeaseSeconds),
                     PostgresAPICallLimit(ledger: ledger, ratePerSecond: settings.apiCallsPerSecond,
                                          burst: max(1, Int(settings.apiCallsPerSecond.rounded(.up)))))
                },
                passTime: { try await Task.sleep(for: .seconds($0)) }, now: { Date() }))
        }
    }

    static let all: [ClaimsBackend] = [.inProcess, .postgres]
    /// Backends whose account-wide limits hold across replicas.
    static let sharingLimits = all.filter(\.sharesLimits)
}
