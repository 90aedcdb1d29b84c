import Ledger
import Logging
import Synchronization

/// The organizations of a claimed fire, taken one lease at a time so that several
/// replicas can share a fire and one can finish what a dead one left.
final class ClaimedOrganizations: OrganizationSource {
    private let claims: any WorkClaims
    private let fire: FireKey
    private let logger: Logger
    private let taken = Mutex<Set<Int64>>([])

    init(claims: any WorkClaims, fire: FireKey, logger: Logger) {
        self.claims = claims
        self.fire = fire
        self.logger = logger
    }

    func next() async -> OrganizationTurn? {
        let lease: ItemLease?
        do {
            lease = try await claims.claimItem(of: fire)
        } catch {
            logger.error("cannot claim the fire's next organization; this run takes no more", metadata: [
                "replica": "\(claims.replica)", "error": "\(error)"])
            return nil
        }
        guard let lease else { return nil }
        taken.withLock { _ = $0.insert(lease.organizationID) }
        return OrganizationTurn(organizationID: lease.organizationID, lease: lease,
                                workItem: claims.sharedWorkItem(for: lease))
    }

    func perform(_ turn: OrganizationTurn,
                 _ snapshot: () async -> Result<SnapshotRecord, PipelineError>) async -> Result<SnapshotRecord, PipelineError> {
        guard let lease = turn.lease else { return await snapshot() }
        let current = Mutex(lease)
        let result = await withLeaseRenewed(waitingWith: { [claims] in try await claims.waitForRenewal() }, renew: { [claims] in
            guard let renewed = try await claims.renew(current.withLock { $0 }) else { return false }
            current.withLock { $0 = renewed }
            return true
        }, report: { [logger] problem in
            Self.log(problem, of: lease, logger: logger)
        }, snapshot)
        await conclude(current.withLock { $0 }, with: result)
        return result
    }

    func notStarted() async -> [Int64] {
        do {
            let unclaimed = try await evenIfCancelled { [claims, fire] in try await claims.progress(of: fire)?.unclaimed ?? [] }
            let taken = taken.withLock { $0 }
            return unclaimed.filter { !taken.contains($0) }
        } catch {
            logger.error("cannot read which organizations of the fire are left", metadata: ["error": "\(error)"])
            return []
        }
    }

    /// A run cancelled mid-organization (shutdown) gives it back for another replica;
    /// otherwise the organization is done, recorded or failed. A snapshot recorded under a
    /// shared work item already ended it: `finish` then only confirms.
    private func conclude(_ lease: ItemLease, with result: Result<SnapshotRecord, PipelineError>) async {
        let metadata: Logger.Metadata = ["org": "\(lease.organizationID)", "replica": "\(lease.owner)"]
        do {
            let outcome: ItemOutcome
            switch result {
            case .failure where Task.isCancelled:
                try await evenIfCancelled { [claims] in try await claims.release(lease) }
                return
            case .failure:
                outcome = .failed
            case .success(let snapshot):
                outcome = .recorded(snapshotID: snapshot.id.rawValue)
            }
            if try await !claims.finish(lease, outcome) {
                logger.warning("lease on the organization lost to another replica (it had expired); that replica's outcome stands",
                               metadata: metadata)
            }
        } catch {
            logger.error("cannot mark the organization done in the work claims; another replica may fetch it again once the lease expires",
                         metadata: metadata.merging(["error": "\(error)"]) { $1 })
        }
    }

    private static func log(_ problem: LeaseRenewalProblem, of lease: ItemLease, logger: Logger) {
        switch problem {
        case .lost:
            logger.warning("lease on the organization lost to another replica (it had expired)", metadata: [
                "org": "\(lease.organizationID)", "replica": "\(lease.owner)"])
        case .unreachable(let error):
            logger.error("cannot renew the lease on the organization; retrying", metadata: [
                "org": "\(lease.organizationID)", "error": "\(error)"])
        }
    }
}
