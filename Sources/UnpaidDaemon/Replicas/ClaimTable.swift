import Foundation

/// The claims as plain values, every rule in one place and every instant given: the
/// in-process `WorkClaims` keeps one behind a lock. Completed fires are dropped, so the
/// table holds only work in flight plus each job's newest claimed fire.
struct ClaimTable {
    private struct Item {
        var owner: ReplicaID?
        var expiresAt = Date.distantPast
        var outcome: ItemOutcome?

        func isFree(at now: Date) -> Bool { outcome == nil && (owner == nil || expiresAt <= now) }
    }

    private struct Fire {
        var owner: ReplicaID?
        var expiresAt: Date
        /// Nil until some replica opens the fire's organizations.
        var items: [Int64: Item]?

        var isComplete: Bool { items?.values.allSatisfy { $0.outcome != nil } ?? false }

        func isAbandoned(at now: Date) -> Bool {
            guard owner == nil || expiresAt <= now else { return false }
            guard let items else { return true }
            return items.values.contains { $0.isFree(at: now) }
        }
    }

    private var fires: [FireKey: Fire] = [:]
    /// Per job, the newest fire ever claimed and by whom: older fires are refused even
    /// once the newest has completed and left the table.
    private var newest: [String: (scheduledAt: Date, claimedBy: ReplicaID)] = [:]

    var firesInFlight: Int { fires.count }

    mutating func claimFire(_ key: FireKey, by replica: ReplicaID, now: Date, lease: TimeInterval) -> FireClaim {
        if let newest = newest[key.job] {
            if newest.scheduledAt == key.scheduledAt { return .taken(by: newest.claimedBy) }
            if newest.scheduledAt > key.scheduledAt { return .superseded(newest: newest.scheduledAt) }
        }
        newest[key.job] = (key.scheduledAt, replica)
        fires[key] = Fire(owner: replica, expiresAt: now + lease)
        return .won(FireLease(fire: key, owner: replica, expiresAt: now + lease))
    }

    mutating func renew(_ lease: FireLease, now: Date, lease duration: TimeInterval) -> FireLease? {
        guard fires[lease.fire]?.owner == lease.owner else { return nil }
        fires[lease.fire]?.expiresAt = now + duration
        return FireLease(fire: lease.fire, owner: lease.owner, expiresAt: now + duration)
    }

    mutating func release(_ lease: FireLease) {
        guard let fire = fires[lease.fire], fire.owner == lease.owner else { return }
        fires[lease.fire]?.owner = nil
        dropIfComplete(lease.fire)
    }

    mutating func claimAbandonedFire(ofJobs jobs: Set<String>, by replica: ReplicaID, now: Date,
                                     lease: TimeInterval) -> FireLease? {
        let abandoned = fires.filter { jobs.contains($0.key.job) && $0.value.isAbandoned(at: now) }.keys
        guard let key = abandoned.min() else { return nil }
        fires[key]?.owner = replica
        fires[key]?.expiresAt = now + lease
        return FireLease(fire: key, owner: replica, expiresAt: now + lease)
    }

    mutating func openItems(of lease: FireLease, organizations: [Int64]) {
        guard let fire = fires[lease.fire], fire.owner == lease.owner, fire.items == nil else { return }
        fires[lease.fire]?.items = Dictionary(organizations.map { ($0, Item()) }, uniquingKeysWith: { first, _ in first })
        dropIfComplete(lease.fire)
    }

    mutating func claimItem(of key: FireKey, by replica: ReplicaID, now: Date, lease: TimeInterval) -> ItemLease? {
        guard let items = fires[key]?.items,
              let organization = items.filter({ $0.value.isFree(at: now) }).keys.min() else { return nil }
        fires[key]?.items?[organization] = Item(owner: replica, expiresAt: now + lease)
        return ItemLease(fire: key, organizationID: organization, owner: replica, expiresAt: now + lease)
    }

    mutating func renew(_ lease: ItemLease, now: Date, lease duration: TimeInterval) -> ItemLease? {
        guard let item = item(of: lease), item.outcome == nil else { return nil }
        fires[lease.fire]?.items?[lease.organizationID]?.expiresAt = now + duration
        return ItemLease(fire: lease.fire, organizationID: lease.organizationID, owner: lease.owner,
                         expiresAt: now + duration)
    }

    mutating func finish(_ lease: ItemLease, _ outcome: ItemOutcome) -> Bool {
        guard let item = item(of: lease), item.outcome == nil else { return false }
        fires[lease.fire]?.items?[lease.organizationID]?.outcome = outcome
        dropIfComplete(lease.fire)
        return true
    }

    mutating func release(_ lease: ItemLease) {
        guard let item = item(of: lease), item.outcome == nil else { return }
        fires[lease.fire]?.items?[lease.organizationID] = Item()
    }

    func progress(of key: FireKey, now: Date) -> FireProgress? {
        if let fire = fires[key] {
            var progress = FireProgress()
            for (organization, item) in fire.items ?? [:] {
                if let outcome = item.outcome {
                    progress.done[organization] = outcome
                } else if let owner = item.owner, item.expiresAt > now {
                    progress.inProgress[organization] = owner
                } else {
                    progress.unclaimed.append(organization)
                }
            }
            progress.unclaimed.sort()
            return progress
        }
        // Claimed and complete (dropped), or never claimed.
        return newest[key.job].map { $0.scheduledAt >= key.scheduledAt } == true ? FireProgress() : nil
    }

    /// The item a lease names, while that lease's owner still holds it.
    private func item(of lease: ItemLease) -> Item? {
        guard let item = fires[lease.fire]?.items?[lease.organizationID], item.owner == lease.owner else { return nil }
        return item
    }

    private mutating func dropIfComplete(_ key: FireKey) {
        if let fire = fires[key], fire.owner == nil, fire.isComplete { fires[key] = nil }
    }
}
