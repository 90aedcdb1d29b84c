import Foundation
import PostgresLedger

/// `api_calls_per_second` for every replica on one PostgreSQL ledger: the token bucket is a
/// row (`account_rate`), refilled on the database's clock; a caller takes its token there,
/// then sleeps here until it is due.
public final class PostgresAPICallLimit: APICallLimit {
    private let ledger: PostgresLedger
    private let rate: Double
    private let burst: Double

    public init(ledger: PostgresLedger, ratePerSecond rate: Double, burst: Int) {
        precondition(rate > 0 && burst >= 1, "a token bucket needs a positive rate and a burst of at least one")
        self.ledger = ledger
        self.rate = rate
        self.burst = Double(burst)
    }

    public func acquire() async throws {
        let wait = try await ledger.takeAPIToken(rate: rate, burst: burst)
        guard wait > 0 else { return }
        do {
            try await Task.sleep(for: .seconds(wait))
        } catch {
            // The call will not be made: its token goes back to the account.
            try? await evenIfCancelled { [ledger] in try await ledger.returnAPIToken() }
            throw error
        }
    }
}

/// `max_concurrent_organizations` for every replica on one PostgreSQL ledger: each turn is a
/// row of `organization_turn` held under a lease, renewed while its organization runs, so a
/// dead replica's turns come back once their leases expire. A replica with no turn free
/// asks again after a short, growing pause (at most a second).
public struct PostgresOrganizationLimit: OrganizationLimit {
    private let ledger: PostgresLedger
    private let limit: Int
    private let replica: ReplicaID
    private let leaseDuration: TimeInterval

    public init(ledger: PostgresLedger, limit: Int, replica: ReplicaID, leaseDuration: TimeInterval = 60) {
        precondition(limit >= 1, "a concurrency limit must allow at least one")
        self.ledger = ledger
        self.limit = limit
        self.replica = replica
        self.leaseDuration = leaseDuration
    }

    public func withPermit<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        let slot = try await takeTurn()
        let result: Result<T, any Error>
        do {
            result = .success(try await withLeaseRenewed(waitingWith: { [leaseDuration] in
                try await Task.sleep(for: .seconds(leaseDuration / 3))
            }, renew: { [ledger, replica, leaseDuration] in
                try await ledger.renewOrganizationTurn(slot, replica: replica.rawValue, leaseSeconds: leaseDuration)
            }, report: { _ in }, body))
        } catch {
            result = .failure(error)
        }
        // Not given back (the database unreachable), the turn returns when its lease expires.
        try? await evenIfCancelled { [ledger, replica] in
            try await ledger.releaseOrganizationTurn(slot, replica: replica.rawValue)
        }
        return try result.get()
    }

    private func takeTurn() async throws -> Int {
        var pause: TimeInterval = 0.02
        while true {
            if let slot = try await ledger.takeOrganizationTurn(limit: limit, replica: replica.rawValue,
                                                                 leaseSeconds: leaseDuration) {
                return slot
            }
            try await Task.sleep(for: .seconds(pause))
            pause = min(pause * 2, 1)
        }
    }
}
