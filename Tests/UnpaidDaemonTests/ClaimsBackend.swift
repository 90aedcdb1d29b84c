import Foundation
import Testing
@testable import UnpaidDaemon

/// Replicas standing on one set of shared work claims, and the limits they share. The
/// same test bodies run on every backend: in-process today, PostgreSQL next.
struct ClaimsFixture: Sendable {
    /// One `WorkClaims` per replica, all on the same claims.
    let replicas: [any WorkClaims]
    /// Per replica, the account-wide limits as that replica holds them.
    let limits: [(organizations: any OrganizationLimit, apiCalls: any APICallLimit)]
    /// Lets `seconds` pass on the clock the claims judge leases by.
    let passTime: @Sendable (_ seconds: TimeInterval) async throws -> Void

    var leaseDuration: TimeInterval { replicas[0].leaseDuration }

    /// Lets every lease held now expire.
    func expireLeases() async throws { try await passTime(leaseDuration + 1) }
}

struct ClaimsBackend: Sendable, CustomTestStringConvertible {
    let name: String
    let make: @Sendable (_ replicas: Int, _ settings: DaemonSettings) async throws -> ClaimsFixture

    var testDescription: String { name }

    func fixture(replicas: Int = 2, settings: DaemonSettings = DaemonSettings()) async throws -> ClaimsFixture {
        try await make(replicas, settings)
    }

    /// Claims in memory on a manual clock; the limits are one process's, shared by all.
    static let inProcess = ClaimsBackend(name: "in-process") { count, settings in
        let clock = ManualWallClock(now: instant("2026-11-22T10:00:00Z"))
        let first = InProcessWorkClaims(replica: ReplicaID("replica-0"), clock: clock, leaseDuration: 60)
        let limits = SharedLimits(settings, clock: clock)
        return ClaimsFixture(
            replicas: (0..<count).map { first.replica(ReplicaID("replica-\($0)")) },
            limits: Array(repeating: (limits.organizations, limits.apiCalls), count: count),
            passTime: { clock.advance(by: $0) })
    }

    static let all: [ClaimsBackend] = [.inProcess]
}
