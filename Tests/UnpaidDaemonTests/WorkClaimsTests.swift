import Foundation
import Synchronization
import Testing
@testable import UnpaidDaemon

/// What every `WorkClaims` promises, run on each backend.
@Suite(.timeLimit(.minutes(10))) struct WorkClaimsTests {
    let fire = FireKey(job: "daily", scheduledAt: instant("2026-11-22T10:01:00Z"))

    func won(_ claim: FireClaim, sourceLocation: SourceLocation = #_sourceLocation) throws -> FireLease {
        guard case .won(let lease) = claim else {
            Issue.record("expected the claim to be won, got \(claim)", sourceLocation: sourceLocation)
            throw CancellationError()
        }
        return lease
    }

    @Test(arguments: ClaimsBackend.all)
    func eachFireIsWonByExactlyOneReplica(_ backend: ClaimsBackend) async throws {
        try await backend.withFixture(replicas: 3) { fixture in
            let claims = try await withThrowingTaskGroup(of: FireClaim.self) { group in
                for replica in fixture.replicas { group.addTask { [fire] in try await replica.claimFire(fire) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let winners = claims.compactMap { claim -> ReplicaID? in
                if case .won(let lease) = claim { return lease.owner }
                return nil
            }
            #expect(winners.count == 1)
            #expect(claims.filter { $0 == .taken(by: winners[0]) }.count == 2)
        }
    }

    @Test(arguments: ClaimsBackend.all)
    func aFireAtOrBeforeTheNewestClaimedOneIsNeverRunAgain(_ backend: ClaimsBackend) async throws {
        try await backend.withFixture { fixture in
            let (ahead, behind) = (fixture.replicas[0], fixture.replicas[1])
            let lease = try won(try await ahead.claimFire(fire))
            // The replica whose clock lags reaches the previous minute only now.
            let earlier = FireKey(job: "daily", scheduledAt: instant("2026-11-22T10:00:00Z"))
            #expect(try await behind.claimFire(earlier) == .superseded(newest: fire.scheduledAt))
            // Done and gone from the work in flight, the fire still counts as claimed.
            try await ahead.openItems(of: lease, organizations: [])
            try await ahead.release(lease)
            #expect(try await behind.claimFire(fire) == .taken(by: ahead.replica))
            #expect(try await ahead.claimFire(fire) == .taken(by: ahead.replica))
            let otherJob = FireKey(job: "weekly", scheduledAt: earlier.scheduledAt)
            _ = try won(try await behind.claimFire(otherJob))
            let next = FireKey(job: "daily", scheduledAt: instant("2026-11-22T10:02:00Z"))
            _ = try won(try await behind.claimFire(next))
        }
    }

    @Test(arguments: ClaimsBackend.all)
    func eachOrganizationOfAFireGoesToOneReplica(_ backend: ClaimsBackend) async throws {
        try await backend.withFixture(replicas: 3) { fixture in
            let organizations = Array(Int64(100_001)...100_020)
            let lease = try won(try await fixture.replicas[0].claimFire(fire))
            try await fixture.replicas[0].openItems(of: lease, organizations: organizations)
            // A second opening (a replica taking over) changes nothing.
            try await fixture.replicas[0].openItems(of: lease, organizations: [1, 2, 3])
            let taken = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for replica in fixture.replicas {
                    group.addTask { [fire] in
                        var mine: [Int64] = []
                        while let item = try await replica.claimItem(of: fire) {
                            #expect(item.owner == replica.replica)
                            #expect(try await replica.finish(item, .recorded(snapshotID: item.organizationID)))
                            mine.append(item.organizationID)
                        }
                        return mine
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(taken.sorted() == organizations)
            let progress = try #require(try await fixture.replicas[1].progress(of: fire))
            #expect(progress.isComplete)
        }
    }

    @Test(arguments: ClaimsBackend.all)
    func anExpiredLeaseIsTakenOverAndItsLateOwnerRefused(_ backend: ClaimsBackend) async throws {
        try await backend.withFixture { fixture in
            let (dying, survivor) = (fixture.replicas[0], fixture.replicas[1])
            let fireLease = try won(try await dying.claimFire(fire))
            try await dying.openItems(of: fireLease, organizations: [100_001, 100_002])
            let orphan = try #require(try await dying.claimItem(of: fire))
            #expect(try await survivor.claimAbandonedFire(ofJobs: ["daily"]) == nil, "a live lease is not taken over")

            try await fixture.expireLeases()
            let adopted = try #require(try await survivor.claimAbandonedFire(ofJobs: ["daily"]))
            #expect(adopted.fire == fire && adopted.owner == survivor.replica)
            #expect(try await survivor.claimAbandonedFire(ofJobs: ["daily"]) == nil, "taken over once")
            let first = try #require(try await survivor.claimItem(of: fire))
            let second = try #require(try await survivor.claimItem(of: fire))
            #expect([first.organizationID, second.organizationID] == [100_001, 100_002])
            #expect(try await survivor.claimItem(of: fire) == nil)

            #expect(try await dying.renew(orphan) == nil)
            #expect(try await dying.renew(fireLease) == nil)
            #expect(try await dying.finish(orphan, .recorded(snapshotID: 7)) == false)
            #expect(try await survivor.finish(first, .recorded(snapshotID: 8)))
            #expect(try await survivor.finish(second, .failed))
            #expect(try await survivor.progress(of: fire)?.done == [100_001: .recorded(snapshotID: 8), 100_002: .failed])
        }
    }

    @Test(arguments: ClaimsBackend.all)
    func renewedLeasesAreNeverTakenOver(_ backend: ClaimsBackend) async throws {
        try await backend.withFixture { fixture in
            let (owner, other) = (fixture.replicas[0], fixture.replicas[1])
            var fireLease = try won(try await owner.claimFire(fire))
            try await owner.openItems(of: fireLease, organizations: [100_001, 100_002])
            var item = try #require(try await owner.claimItem(of: fire))
            for _ in 0..<3 {
                try await fixture.passTime(fixture.leaseDuration * 0.6)
                fireLease = try #require(try await owner.renew(fireLease))
                item = try #require(try await owner.renew(item))
            }
            // Long past the first lease, the fire is still its owner's; the other replica may
            // help with the organization nobody holds, but not take the fire.
            #expect(try await other.claimAbandonedFire(ofJobs: ["daily"]) == nil)
            #expect(try await other.claimItem(of: fire)?.organizationID == 100_002)
            #expect(try await other.claimItem(of: fire) == nil)
            #expect(try await owner.finish(item, .recorded(snapshotID: 1)))
        }
    }

    @Test(arguments: ClaimsBackend.all)
    func aFireWhoseOwnerDiedBeforeOpeningItIsTakenOver(_ backend: ClaimsBackend) async throws {
        try await backend.withFixture { fixture in
            _ = try won(try await fixture.replicas[0].claimFire(fire))
            try await fixture.expireLeases()
            let adopted = try #require(try await fixture.replicas[1].claimAbandonedFire(ofJobs: ["daily"]))
            try await fixture.replicas[1].openItems(of: adopted, organizations: [100_003])
            #expect(try await fixture.replicas[1].claimItem(of: fire)?.organizationID == 100_003)
        }
    }

    @Test(arguments: ClaimsBackend.all)
    func aFireGivenBackWithOrganizationsLeftIsFreeAtOnce(_ backend: ClaimsBackend) async throws {
        try await backend.withFixture { fixture in
            let (stopping, other) = (fixture.replicas[0], fixture.replicas[1])
            let lease = try won(try await stopping.claimFire(fire))
            try await stopping.openItems(of: lease, organizations: [100_001, 100_002])
            let done = try #require(try await stopping.claimItem(of: fire))
            #expect(try await stopping.finish(done, .recorded(snapshotID: 1)))
            let cut = try #require(try await stopping.claimItem(of: fire))
            try await stopping.release(cut)
            try await stopping.release(lease)
            #expect(try await other.claimAbandonedFire(ofJobs: ["weekly"]) == nil, "only jobs the replica runs")
            _ = try #require(try await other.claimAbandonedFire(ofJobs: ["daily"]))
            #expect(try await other.claimItem(of: fire)?.organizationID == 100_002)
            #expect(try await other.claimItem(of: fire) == nil)
        }
    }

    @Test(arguments: ClaimsBackend.all)
    func aCompleteFireIsNeverTakenOver(_ backend: ClaimsBackend) async throws {
        try await backend.withFixture { fixture in
            let lease = try won(try await fixture.replicas[0].claimFire(fire))
            try await fixture.replicas[0].openItems(of: lease, organizations: [100_001])
            let item = try #require(try await fixture.replicas[0].claimItem(of: fire))
            #expect(try await fixture.replicas[0].finish(item, .failed))
            try await fixture.replicas[0].release(lease)
            try await fixture.expireLeases()
            #expect(try await fixture.replicas[1].claimAbandonedFire(ofJobs: ["daily"]) == nil)
            #expect(try await fixture.replicas[1].claimFire(fire) == .taken(by: fixture.replicas[0].replica))
        }
    }

    @Test(arguments: ClaimsBackend.sharingLimits)
    func theOrganizationLimitHoldsAcrossReplicas(_ backend: ClaimsBackend) async throws {
        var settings = DaemonSettings()
        settings.maxConcurrentOrganizations = 2
        try await backend.withFixture(replicas: 3, settings: settings) { fixture in
            let inFlight = Shared((now: 0, most: 0, done: 0))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for limits in try #require(fixture.limits) {
                    for _ in 0..<4 {
                        group.addTask {
                            try await limits.organizations.withPermit {
                                inFlight.update { $0.now += 1; $0.most = max($0.most, $0.now) }
                                for _ in 0..<20 { await Task.yield() }
                                inFlight.update { $0.now -= 1; $0.done += 1 }
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let final = inFlight.value
            #expect(final.done == 12)
            #expect(final.most <= 2)
        }
    }

    @Test(arguments: ClaimsBackend.sharingLimits)
    func theAPIRateHoldsAcrossReplicas(_ backend: ClaimsBackend) async throws {
        var settings = DaemonSettings()
        settings.apiCallsPerSecond = 2
        try await backend.withFixture(replicas: 3, settings: settings) { fixture in
            let calls = Shared(0)
            let start = fixture.now()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for limits in try #require(fixture.limits) {
                    for _ in 0..<3 {
                        group.addTask {
                            try await limits.apiCalls.acquire()
                            calls.update { $0 += 1 }
                        }
                    }
                }
                // Time passes on the claims' clock in small steps until every call is made:
                // 9 calls at 2 a second, with a burst of 2, take 3.5 seconds.
                group.addTask {
                    while calls.value < 9 {
                        try Task.checkCancellation()
                        try await fixture.passTime(0.05)
                        await Task.yield()
                    }
                }
                try await group.waitForAll()
            }
            #expect(calls.value == 9)
            #expect(fixture.now().timeIntervalSince(start) >= 3.5 - 0.05,
                    "no more than the burst plus the rate over the time passed")
        }
    }
}

/// A value tasks of a test update together.
final class Shared<Value: Sendable>: Sendable {
    private let state: Mutex<Value>

    init(_ value: Value) {
        state = Mutex(value)
    }

    var value: Value { state.withLock { $0 } }

    func update(_ change: (inout Value) -> Void) {
        state.withLock { change(&$0) }
    }
}
