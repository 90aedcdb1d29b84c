import Ledger
import Synchronization

/// One organization a run is to fetch, with the lease it holds it under (if shared).
struct OrganizationTurn: Sendable {
    let organizationID: Int64
    let lease: ItemLease?
    /// The claim the ledger checks and ends when it records the snapshot; nil when the
    /// claims do not live in the ledger (see `WorkClaims.sharedWorkItem(for:)`).
    var workItem: SharedWorkItem? = nil
}

/// Where a run takes its organizations from: a fixed list (`run --once`, `fetch`) or a
/// claimed fire's items, which other replicas may take part in.
protocol OrganizationSource: Sendable {
    /// The next organization for this run, or nil when none is left for it.
    func next() async -> OrganizationTurn?
    /// Runs one organization's snapshot and marks the turn done with its result.
    func perform(_ turn: OrganizationTurn,
                 _ snapshot: () async -> Result<SnapshotRecord, PipelineError>) async -> Result<SnapshotRecord, PipelineError>
    /// Organizations still waiting once this run stops taking turns (it was cancelled, or
    /// the claims could not be read); this run leaves them to others.
    func notStarted() async -> [Int64]
}

/// Today's list of organizations, each taken once, in order.
final class FixedOrganizations: OrganizationSource {
    private let pending: Mutex<ArraySlice<Int64>>

    init(_ organizations: [Int64]) {
        pending = Mutex(organizations[...])
    }

    func next() async -> OrganizationTurn? {
        pending.withLock { $0.popFirst() }.map { OrganizationTurn(organizationID: $0, lease: nil) }
    }

    func perform(_ turn: OrganizationTurn,
                 _ snapshot: () async -> Result<SnapshotRecord, PipelineError>) async -> Result<SnapshotRecord, PipelineError> {
        await snapshot()
    }

    func notStarted() async -> [Int64] {
        pending.withLock { pending in
            defer { pending = [] }
            return Array(pending)
        }
    }
}
