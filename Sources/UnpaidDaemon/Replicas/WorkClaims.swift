import Foundation
import Ledger

/// One `unpaidd run` process among those sharing a ledger: host, process id and a random
/// part, so a restarted process is a new replica and a log line names who held a lease.
public struct ReplicaID: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    public static func thisProcess() -> ReplicaID {
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return ReplicaID("\(ProcessInfo.processInfo.hostName):\(getpid()):\(suffix)")
    }

    public var description: String { rawValue }
}

/// A job's scheduled fire: the unit that runs once across every replica. It names the
/// *scheduled* instant, never when a replica happened to start it, in whole seconds (as
/// schedules fire), so it reads back the same from any store.
public struct FireKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let job: String
    public let scheduledAt: Date

    public init(job: String, scheduledAt: Date) {
        self.job = job
        self.scheduledAt = Date(timeIntervalSince1970: scheduledAt.timeIntervalSince1970.rounded(.down))
    }

    public static func < (lhs: FireKey, rhs: FireKey) -> Bool {
        (lhs.scheduledAt, lhs.job) < (rhs.scheduledAt, rhs.job)
    }

    public var description: String { "\(job) at \(scheduledAt.formatted(.iso8601))" }
}

/// The right to drive a fire (open its organizations, run them, give it back), held by
/// one replica until `expiresAt` unless renewed.
public struct FireLease: Hashable, Sendable {
    public let fire: FireKey
    public let owner: ReplicaID
    public let expiresAt: Date

    public init(fire: FireKey, owner: ReplicaID, expiresAt: Date) {
        self.fire = fire
        self.owner = owner
        self.expiresAt = expiresAt
    }
}

/// One organization of a fire, held by one replica while it fetches and records it.
public struct ItemLease: Hashable, Sendable {
    public let fire: FireKey
    public let organizationID: Int64
    public let owner: ReplicaID
    public let expiresAt: Date

    public init(fire: FireKey, organizationID: Int64, owner: ReplicaID, expiresAt: Date) {
        self.fire = fire
        self.organizationID = organizationID
        self.owner = owner
        self.expiresAt = expiresAt
    }
}

/// The answer to "may this replica run this fire?".
public enum FireClaim: Hashable, Sendable {
    /// This replica runs it: no other replica ever will, except by taking over its lease.
    case won(FireLease)
    /// Another replica (or this one, earlier) claimed the same fire.
    case taken(by: ReplicaID)
    /// A newer fire of the job was already claimed: this one is in the past for the
    /// account, whatever this replica's clock says (a lagging clock, a late catch-up).
    case superseded(newest: Date)
}

/// How an organization of a fire ended. Either way it is done: a failure is retried by
/// the job's next fire, as in one process.
public enum ItemOutcome: Hashable, Sendable {
    case recorded(snapshotID: Int64)
    case failed
}

/// Where a fire's organizations stand, as the claims see them.
public struct FireProgress: Hashable, Sendable {
    /// Not done and free to take: never leased, released, or leased by a replica whose lease expired.
    public var unclaimed: [Int64] = []
    /// Held under a lease that has not expired.
    public var inProgress: [Int64: ReplicaID] = [:]
    public var done: [Int64: ItemOutcome] = [:]

    public init(unclaimed: [Int64] = [], inProgress: [Int64: ReplicaID] = [:], done: [Int64: ItemOutcome] = [:]) {
        self.unclaimed = unclaimed
        self.inProgress = inProgress
        self.done = done
    }

    public var isComplete: Bool { unclaimed.isEmpty && inProgress.isEmpty }
}

/// How replicas sharing one ledger divide the work: the scheduler's and the job runner's
/// side of it, one replica's view (every call acts as `replica`). Leases are judged by the
/// implementation's clock (for a shared database, the database's), never by the caller's.
///
/// - A fire is claimed once for all replicas: the first `claimFire` of a (job, instant)
///   wins; a fire at or before the newest claimed fire of its job is refused.
/// - The winner opens the fire's organizations (once: later calls change nothing) and
///   takes them one at a time with `claimItem`, renewing each lease while it works, and
///   marks each done with `finish`: `recorded` once its snapshot is committed, `failed`
///   once its failure is. A lease that expired may be taken by any replica: `renew` and
///   `finish` then say the lease was lost.
/// - Claims that live in the ledger itself (`sharedWorkItem(for:)` is not nil) are ended
///   by the snapshot's own transaction, which the ledger refuses once the lease was lost:
///   an organization is recorded once per fire even if its replica dies between the
///   commit and `finish`, or stalls past its lease. `finish` with that snapshot then
///   confirms (true), and `renew` of the finished item returns its lease, not a loss.
/// - A fire whose lease expired or was released while organizations are left (or none
///   were ever opened) is abandoned: `claimAbandonedFire` hands it to another replica,
///   which runs it like its own.
public protocol WorkClaims: Sendable {
    var replica: ReplicaID { get }
    /// How long a lease lasts unless renewed.
    var leaseDuration: TimeInterval { get }

    func claimFire(_ fire: FireKey) async throws -> FireClaim
    /// Extends the lease; nil when another replica took the fire over.
    func renew(_ lease: FireLease) async throws -> FireLease?
    /// Gives the fire back: if organizations are left, another replica may take it over.
    func release(_ lease: FireLease) async throws
    /// The oldest abandoned fire of one of `jobs`, now leased to this replica.
    func claimAbandonedFire(ofJobs jobs: Set<String>) async throws -> FireLease?

    /// Makes `organizations` the fire's work items, unless they were opened already; only
    /// the fire's holder may. Opening none says the fire is done with nothing left to share.
    func openItems(of fire: FireLease, organizations: [Int64]) async throws
    /// The lowest-numbered organization of the fire free to take, now leased to this replica.
    func claimItem(of fire: FireKey) async throws -> ItemLease?
    /// Extends the lease; nil when another replica took the organization over.
    func renew(_ lease: ItemLease) async throws -> ItemLease?
    /// What the ledger checks and ends when it records the organization's snapshot, for
    /// claims kept in that ledger's tables; nil for claims kept elsewhere (in memory),
    /// which only `finish` ends.
    func sharedWorkItem(for lease: ItemLease) -> SharedWorkItem?
    /// Marks the organization done; false when the lease had been lost to another replica.
    func finish(_ lease: ItemLease, _ outcome: ItemOutcome) async throws -> Bool
    /// Gives an organization back undone (its run was cancelled), free for another replica.
    func release(_ lease: ItemLease) async throws
    func progress(of fire: FireKey) async throws -> FireProgress?

    /// Returns when leases in use should next be renewed (well within `leaseDuration`).
    func waitForRenewal() async throws
}

/// A fire this replica holds, with the claims it came from: what the scheduler hands the
/// job executor, so the runner takes its organizations from the claims.
public struct ClaimedFire: Sendable {
    public let lease: FireLease
    public let claims: any WorkClaims

    public init(lease: FireLease, claims: any WorkClaims) {
        self.lease = lease
        self.claims = claims
    }

    public var job: String { lease.fire.job }
    public var scheduledAt: Date { lease.fire.scheduledAt }
}
