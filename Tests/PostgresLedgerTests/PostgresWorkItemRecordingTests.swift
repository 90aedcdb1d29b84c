import Foundation
import Ledger
import LedgerTestSupport
import OrderSpill
import Testing
import UnpaidCore
@testable import PostgresLedger

/// A snapshot fetched under a replica's claim on its organization commits with that
/// claim's end, or not at all: each (job, organization, fire) is recorded once, whether
/// the replica dies right after the commit or stalls past its lease.
@Suite struct PostgresWorkItemRecordingTests {
    /// Both forms of `recordSnapshot`: each ends the item in its own transaction.
    enum Form: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case plain, alerting
        var testDescription: String { rawValue }
    }

    static let job = "monthly"
    static let fire = Date(timeIntervalSince1970: 1_793_000_040)

    @Test(arguments: Form.allCases)
    func aSnapshotRecordedUnderItsClaimEndsTheItemAndTheFireWithoutFinish(_ form: Form) async throws {
        try await withLedger { fixture, ledger in
            try await open(ledger, organizations: [42, 43], by: "a")
            // A lease that runs out at once: replica a dies after the recording, before `finishItem`.
            _ = try await ledger.claimItem(job: Self.job, scheduledAt: Self.fire, replica: "a", leaseSeconds: 0)
            let run = try await fixture.startRun(minute: 0)
            let first = try await record(ledger, form, under: "a", run: run, organizationID: 42, shaSeed: 1)
            let item = try #require(try await ledger.workItems(job: Self.job, scheduledAt: Self.fire)?.first)
            #expect((item.organizationID, item.leaseOwner, item.outcome, item.snapshotID)
                == (42, "a", "recorded", first.id.rawValue))
            #expect(try await fireIsComplete(fixture) == false, "organization 43 is left")
            #expect(try await ledger.claimItem(job: Self.job, scheduledAt: Self.fire, replica: "b", leaseSeconds: 60)?
                .organizationID == 43, "only the organization not recorded is free")
            try await ledger.releaseItem(job: Self.job, scheduledAt: Self.fire, organizationID: 43, replica: "b")
            _ = try await ledger.claimItem(job: Self.job, scheduledAt: Self.fire, replica: "a", leaseSeconds: 0)
            let second = try await record(ledger, form, under: "a", run: run, organizationID: 43, shaSeed: 2)
            #expect(try await fireIsComplete(fixture))

            try await ledger.releaseFire(job: Self.job, scheduledAt: Self.fire, replica: "a")
            #expect(try await ledger.claimAbandonedFire(jobs: [Self.job], replica: "b", leaseSeconds: 60) == nil)
            #expect(try await ledger.claimItem(job: Self.job, scheduledAt: Self.fire, replica: "b", leaseSeconds: 60) == nil)
            let done = try #require(try await ledger.workItems(job: Self.job, scheduledAt: Self.fire))
            #expect(done.map(\.snapshotID) == [first.id.rawValue, second.id.rawValue])
        }
    }

    @Test(arguments: Form.allCases)
    func theOwnersBookkeepingAfterItsRecordingConfirmsAndIsNotLost(_ form: Form) async throws {
        try await withLedger { fixture, ledger in
            try await open(ledger, organizations: [42], by: "a")
            _ = try await ledger.claimItem(job: Self.job, scheduledAt: Self.fire, replica: "a", leaseSeconds: 60)
            let run = try await fixture.startRun(minute: 0)
            let recorded = try await record(ledger, form, under: "a", run: run, organizationID: 42, shaSeed: 1)
            #expect(try await renew(ledger, 42, by: "a") != nil, "a renewal racing the recording is not a loss")
            #expect(try await finish(ledger, 42, by: "a", snapshotID: recorded.id.rawValue))
            #expect(try await finish(ledger, 42, by: "a", snapshotID: nil) == false, "not the outcome recorded")
            #expect(try await finish(ledger, 42, by: "a", snapshotID: recorded.id.rawValue + 1) == false)
            #expect(try await finish(ledger, 42, by: "b", snapshotID: recorded.id.rawValue) == false)
            #expect(try await renew(ledger, 42, by: "b") == nil)
            let item = try #require(try await ledger.workItems(job: Self.job, scheduledAt: Self.fire)?.first)
            #expect((item.outcome, item.snapshotID) == ("recorded", recorded.id.rawValue), "confirming changed nothing")
        }
    }

    @Test(arguments: Form.allCases)
    func aSnapshotUnderAClaimAnotherReplicaTookOverIsRefusedAndLeavesNothing(_ form: Form) async throws {
        try await withLedger { fixture, ledger in
            // A previous snapshot, so the late one has intervals to close and open.
            try await fixture.recordAlerting([order("A", "1"), order("B", "2")], shaSeed: 1, minute: 0)
            try await open(ledger, organizations: [42], by: "a")
            _ = try await ledger.claimItem(job: Self.job, scheduledAt: Self.fire, replica: "a", leaseSeconds: 0)
            // Replica a stalls past its lease; b takes the organization over.
            let takenOver = try await ledger.claimItem(job: Self.job, scheduledAt: Self.fire, replica: "b", leaseSeconds: 60)
            #expect(takenOver?.organizationID == 42)
            let (late, own) = (try await fixture.startRun(minute: 10), try await fixture.startRun(minute: 11))
            let (rows, counts, head) = (try await StoredRows.of(fixture), try await ledger.counts(), try await ledger.chainHead())

            await #expect(throws: LedgerError.workItemLost(job: Self.job, organizationID: 42, scheduledAt: Self.fire,
                                                           owner: "a")) {
                try await record(ledger, form, under: "a", run: late, organizationID: 42, shaSeed: 2)
            }
            #expect(try await StoredRows.of(fixture) == rows, "no snapshot, link, interval, change, alert or outbox row")
            #expect(try await ledger.counts() == counts)
            #expect(try await ledger.chainHead() == head)

            let recorded = try await record(ledger, form, under: "b", run: own, organizationID: 42, shaSeed: 3)
            #expect(recorded.id.rawValue == (head?.snapshotID ?? 0) + 1, "the refused snapshot burnt no id")
            let item = try #require(try await ledger.workItems(job: Self.job, scheduledAt: Self.fire)?.first)
            #expect((item.leaseOwner, item.outcome, item.snapshotID) == ("b", "recorded", recorded.id.rawValue))
            #expect(try await fireIsComplete(fixture))
            #expect(try await finish(ledger, 42, by: "a", snapshotID: nil) == false, "a's late word changes nothing")
        }
    }

    /// The item already finished (by its new owner) refuses a late snapshot as well.
    @Test func aSnapshotUnderAClaimFinishedByAnotherReplicaIsRefused() async throws {
        try await withLedger { fixture, ledger in
            try await open(ledger, organizations: [42], by: "a")
            _ = try await ledger.claimItem(job: Self.job, scheduledAt: Self.fire, replica: "a", leaseSeconds: 0)
            _ = try await ledger.claimItem(job: Self.job, scheduledAt: Self.fire, replica: "b", leaseSeconds: 60)
            #expect(try await finish(ledger, 42, by: "b", snapshotID: nil))
            let run = try await fixture.startRun(minute: 0)
            await #expect(throws: LedgerError.workItemLost(job: Self.job, organizationID: 42, scheduledAt: Self.fire,
                                                           owner: "a")) {
                try await record(ledger, .alerting, under: "a", run: run, organizationID: 42, shaSeed: 1)
            }
            #expect(try await ledger.counts().snapshots == 0)
        }
    }

    // MARK: - Helpers

    /// A fresh PostgreSQL ledger, as its own type for the claims and as a fixture for its rows.
    private func withLedger(_ body: (LedgerFixture, PostgresLedger) async throws -> Void) async throws {
        try await LedgerFixture.with(.postgres) { fixture in
            try await body(fixture, try #require(fixture.ledger as? PostgresLedger))
        }
    }

    /// The fire claimed by `replica`, its organizations opened.
    private func open(_ ledger: PostgresLedger, organizations: [Int64], by replica: String) async throws {
        let claim = try await ledger.claimFire(job: Self.job, scheduledAt: Self.fire, replica: replica, leaseSeconds: 60)
        guard case .won = claim else { throw ClaimLost(claim: claim) }
        try await ledger.openItems(job: Self.job, scheduledAt: Self.fire, replica: replica, organizations: organizations)
    }

    private struct ClaimLost: Error { let claim: PostgresFireClaim }

    /// A snapshot of `organizationID` fetched under `owner`'s claim, with an alert and a
    /// delivery on the alerting form, so a refusal has outbox rows to leave out.
    @discardableResult
    private func record(_ ledger: PostgresLedger, _ form: Form, under owner: String, run: RunID, organizationID: Int64,
                        shaSeed: Int) async throws -> SnapshotRecord {
        var snapshot = LedgerRecorder(ledger).snapshot(run: run, organizationID: organizationID, shaSeed: shaSeed,
                                                       at: LedgerFixture.base + Double(shaSeed) * 60)
        snapshot.workItem = SharedWorkItem(scheduledAt: Self.fire, owner: owner)
        let orders = try SortedOrders.of([order("A", "3", organizationID: organizationID),
                                          order("C", "1", organizationID: organizationID)],
                                         for: snapshot, highlighting: OrderHighlights.Request(limit: 5, cutoffs: []))
        switch form {
        case .plain:
            return try await ledger.recordSnapshot(snapshot, orders: orders)
        case .alerting:
            return try await ledger.recordSnapshot(snapshot, orders: orders) { input in
                alertPlan(about: input.snapshot)
            }.record
        }
    }

    private func finish(_ ledger: PostgresLedger, _ organizationID: Int64, by replica: String,
                        snapshotID: Int64?) async throws -> Bool {
        try await ledger.finishItem(job: Self.job, scheduledAt: Self.fire, organizationID: organizationID,
                                    replica: replica, snapshotID: snapshotID)
    }

    private func renew(_ ledger: PostgresLedger, _ organizationID: Int64, by replica: String) async throws -> Date? {
        try await ledger.renewItem(job: Self.job, scheduledAt: Self.fire, organizationID: organizationID,
                                   replica: replica, leaseSeconds: 60)
    }

    private func fireIsComplete(_ fixture: LedgerFixture) async throws -> Bool {
        try await fixture.textsBehindTheLedger("SELECT CAST(completed_at IS NOT NULL AS TEXT) AS complete FROM work_fire")
            == ["true"]
    }
}

/// A firing alert on the snapshot and its delivery to one target.
private func alertPlan(about snapshot: SnapshotRecord) -> AlertingPlan {
    let identity = AlertIdentity(rule: "grew", job: snapshot.job, organizationID: snapshot.organizationID, currency: "USD")
    let note = AlertNotification(
        messageID: "msg_grew_\(snapshot.id.rawValue)", kind: .firing, identity: identity, condition: "on = increase",
        targets: ["ops"], snapshotID: snapshot.id.rawValue, firingSince: 1_000, createdAt: 1_000,
        before: nil, after: Total(count: 2, sum: try! Money("4")), newOrderCount: 1, goneOrderCount: 1,
        changedOrderCount: 1, highlightedOrders: [])
    return AlertingPlan(states: [AlertState(identity: identity, status: .firing, firingSince: 1_000, lastNotifiedAt: 1_000,
                                            lastSnapshotID: snapshot.id.rawValue)],
                        deliveries: [PlannedDelivery(notification: note, target: "ops")], now: 1_000)
}
