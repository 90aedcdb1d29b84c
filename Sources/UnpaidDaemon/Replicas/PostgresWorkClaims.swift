import Foundation
import Ledger
import PostgresLedger

/// `WorkClaims` on a PostgreSQL ledger that several replicas share (`work_fire` and
/// `work_item`): leases run on the database's clock, organizations are taken with
/// `FOR UPDATE SKIP LOCKED`, and a fire's primary key is its claim.
public struct PostgresWorkClaims: WorkClaims {
    public let replica: ReplicaID
    public let leaseDuration: TimeInterval
    private let ledger: PostgresLedger

    public init(ledger: PostgresLedger, replica: ReplicaID = .thisProcess(), leaseDuration: TimeInterval = 60) {
        precondition(leaseDuration > 0, "a lease must last some time")
        self.ledger = ledger
        self.replica = replica
        self.leaseDuration = leaseDuration
    }

    public func claimFire(_ fire: FireKey) async throws -> FireClaim {
        switch try await ledger.claimFire(job: fire.job, scheduledAt: fire.scheduledAt, replica: replica.rawValue,
                                          leaseSeconds: leaseDuration) {
        case .won(let until): .won(FireLease(fire: fire, owner: replica, expiresAt: until))
        case .taken(let owner): .taken(by: ReplicaID(owner))
        case .superseded(let newest): .superseded(newest: newest)
        }
    }

    public func renew(_ lease: FireLease) async throws -> FireLease? {
        try await ledger.renewFire(job: lease.fire.job, scheduledAt: lease.fire.scheduledAt, replica: lease.owner.rawValue,
                                   leaseSeconds: leaseDuration)
            .map { FireLease(fire: lease.fire, owner: lease.owner, expiresAt: $0) }
    }

    public func release(_ lease: FireLease) async throws {
        try await ledger.releaseFire(job: lease.fire.job, scheduledAt: lease.fire.scheduledAt, replica: lease.owner.rawValue)
    }

    public func claimAbandonedFire(ofJobs jobs: Set<String>) async throws -> FireLease? {
        try await ledger.claimAbandonedFire(jobs: jobs.sorted(), replica: replica.rawValue, leaseSeconds: leaseDuration)
            .map { FireLease(fire: FireKey(job: $0.job, scheduledAt: $0.scheduledAt), owner: replica, expiresAt: $0.leaseUntil) }
    }

    public func openItems(of fire: FireLease, organizations: [Int64]) async throws {
        try await ledger.openItems(job: fire.fire.job, scheduledAt: fire.fire.scheduledAt, replica: fire.owner.rawValue,
                                   organizations: organizations)
    }

    public func claimItem(of fire: FireKey) async throws -> ItemLease? {
        try await ledger.claimItem(job: fire.job, scheduledAt: fire.scheduledAt, replica: replica.rawValue,
                                   leaseSeconds: leaseDuration)
            .map { ItemLease(fire: fire, organizationID: $0.organizationID, owner: replica, expiresAt: $0.leaseUntil) }
    }

    public func renew(_ lease: ItemLease) async throws -> ItemLease? {
        try await ledger.renewItem(job: lease.fire.job, scheduledAt: lease.fire.scheduledAt,
                                   organizationID: lease.organizationID, replica: lease.owner.rawValue,
                                   leaseSeconds: leaseDuration)
            .map { ItemLease(fire: lease.fire, organizationID: lease.organizationID, owner: lease.owner, expiresAt: $0) }
    }

    /// The claims live in the ledger's own tables (the one the pipeline records into, as
    /// `LedgerSharing` pairs them): recording the snapshot ends the item.
    public func sharedWorkItem(for lease: ItemLease) -> SharedWorkItem? {
        SharedWorkItem(scheduledAt: lease.fire.scheduledAt, owner: lease.owner.rawValue)
    }

    public func finish(_ lease: ItemLease, _ outcome: ItemOutcome) async throws -> Bool {
        let snapshotID: Int64? = switch outcome {
        case .recorded(let id): id
        case .failed: nil
        }
        return try await ledger.finishItem(job: lease.fire.job, scheduledAt: lease.fire.scheduledAt,
                                           organizationID: lease.organizationID, replica: lease.owner.rawValue,
                                           snapshotID: snapshotID)
    }

    public func release(_ lease: ItemLease) async throws {
        try await ledger.releaseItem(job: lease.fire.job, scheduledAt: lease.fire.scheduledAt,
                                     organizationID: lease.organizationID, replica: lease.owner.rawValue)
    }

    public func progress(of fire: FireKey) async throws -> FireProgress? {
        guard let items = try await ledger.workItems(job: fire.job, scheduledAt: fire.scheduledAt) else { return nil }
        var progress = FireProgress()
        for item in items {
            if item.outcome != nil {
                progress.done[item.organizationID] = item.snapshotID.map { .recorded(snapshotID: $0) } ?? .failed
            } else if let owner = item.leaseOwner, item.leaseIsLive {
                progress.inProgress[item.organizationID] = ReplicaID(owner)
            } else {
                progress.unclaimed.append(item.organizationID)
            }
        }
        return progress
    }

    public func waitForRenewal() async throws {
        try await Task.sleep(for: .seconds(leaseDuration / 3))
    }
}
