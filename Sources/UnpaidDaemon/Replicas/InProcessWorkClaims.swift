import Foundation
import Ledger
import Synchronization

/// `WorkClaims` held in memory: what one process needs on a SQLite ledger, where the
/// instance lock already makes it the only replica. Nothing outlives the process, so a
/// restart runs fires the way one process always has (a fire that failed is caught up
/// again, as `FireTimeStore` says). Handles made with `replica(_:)` share one table, so
/// tests can stand several replicas on it.
public struct InProcessWorkClaims: WorkClaims {
    private final class Board: Sendable {
        let table = Mutex(ClaimTable())
    }

    public let replica: ReplicaID
    public let leaseDuration: TimeInterval
    private let clock: any WallClock
    private let board: Board

    public init(replica: ReplicaID = .thisProcess(), clock: any WallClock = SystemWallClock(),
                leaseDuration: TimeInterval = 60) {
        precondition(leaseDuration > 0, "a lease must last some time")
        self.init(replica: replica, clock: clock, leaseDuration: leaseDuration, board: Board())
    }

    private init(replica: ReplicaID, clock: any WallClock, leaseDuration: TimeInterval, board: Board) {
        self.replica = replica
        self.clock = clock
        self.leaseDuration = leaseDuration
        self.board = board
    }

    /// Another replica's view of the same claims.
    public func replica(_ other: ReplicaID) -> InProcessWorkClaims {
        InProcessWorkClaims(replica: other, clock: clock, leaseDuration: leaseDuration, board: board)
    }

    /// Fires claimed and not yet complete: bounded by the work in flight, however long the process runs.
    public var firesInFlight: Int { board.table.withLock { $0.firesInFlight } }

    public func claimFire(_ fire: FireKey) async throws -> FireClaim {
        let now = clock.now()
        return board.table.withLock { $0.claimFire(fire, by: replica, now: now, lease: leaseDuration) }
    }

    public func renew(_ lease: FireLease) async throws -> FireLease? {
        let now = clock.now()
        return board.table.withLock { $0.renew(lease, now: now, lease: leaseDuration) }
    }

    public func release(_ lease: FireLease) async throws {
        board.table.withLock { $0.release(lease) }
    }

    public func claimAbandonedFire(ofJobs jobs: Set<String>) async throws -> FireLease? {
        let now = clock.now()
        return board.table.withLock { $0.claimAbandonedFire(ofJobs: jobs, by: replica, now: now, lease: leaseDuration) }
    }

    public func openItems(of fire: FireLease, organizations: [Int64]) async throws {
        board.table.withLock { $0.openItems(of: fire, organizations: organizations) }
    }

    public func claimItem(of fire: FireKey) async throws -> ItemLease? {
        let now = clock.now()
        return board.table.withLock { $0.claimItem(of: fire, by: replica, now: now, lease: leaseDuration) }
    }

    public func renew(_ lease: ItemLease) async throws -> ItemLease? {
        let now = clock.now()
        return board.table.withLock { $0.renew(lease, now: now, lease: leaseDuration) }
    }

    /// Nothing to record with the snapshot: these claims are not in the ledger.
    public func sharedWorkItem(for lease: ItemLease) -> SharedWorkItem? { nil }

    public func finish(_ lease: ItemLease, _ outcome: ItemOutcome) async throws -> Bool {
        board.table.withLock { $0.finish(lease, outcome) }
    }

    public func release(_ lease: ItemLease) async throws {
        board.table.withLock { $0.release(lease) }
    }

    public func progress(of fire: FireKey) async throws -> FireProgress? {
        let now = clock.now()
        return board.table.withLock { $0.progress(of: fire, now: now) }
    }

    public func waitForRenewal() async throws {
        try await clock.sleep(until: clock.now().addingTimeInterval(leaseDuration / 3))
    }
}
