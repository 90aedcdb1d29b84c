import Foundation
import Ledger
import LedgerTestSupport
import Testing
import UnpaidCore

/// Alert states and outbox rows written by later alerting and pipeline alerting, in the
/// snapshot's order (states first, then deliveries): PostgreSQL stores what SQLite stores.
@Suite struct OutboxRowsTests {
    @Test func alertStatesAreReadAndUpsertedAsOnSQLite() async throws {
        let (sqlite, postgres) = try await LedgerFixture.onBoth { fixture in
            let snapshots = try await OutboxHistory.record(on: fixture)
            let snapshot = snapshots[0].id.rawValue
            let writes = [OutboxSamples.state("grew", snapshotID: snapshot),
                          OutboxSamples.state("stale", snapshotID: nil),
                          OutboxSamples.state("grew", snapshotID: snapshots[1].id.rawValue, status: .resolved, notifiedAt: 2_000),
                          AlertState(identity: AlertIdentity(rule: "grew", job: "daily", organizationID: 42, currency: "USD"),
                                     status: .firing, firingSince: 5, lastNotifiedAt: 5, lastSnapshotID: snapshot)]
            try await fixture.ledger.recordAlerts(job: "monthly", organizationID: 42) { _ in
                AlertingPlan(states: writes, deliveries: [], now: 0)
            }
            var stored: [AlertState] = []
            try await fixture.ledger.recordAlerts(job: "monthly", organizationID: 42) { states in
                stored = states
                return .nothing(at: 0)
            }
            return stored
        }
        #expect(postgres == sqlite)
        #expect(postgres.count == 2, "the second write of grew replaced the first; daily is another series")
        #expect(postgres.first { $0.identity.rule == "grew" }?.status == .resolved)
    }

    @Test func enqueueAddsARowOnceWithTheChainHeadAndTheRunAsOnSQLite() async throws {
        let (sqlite, postgres) = try await LedgerFixture.onBoth { fixture in
            let ledger = fixture.ledger
            let snapshots = try await OutboxHistory.record(on: fixture)
            let snapshot = snapshots[1], running = snapshots.last!.runID
            let change = OutboxSamples.notification("msg_change", snapshotID: snapshot.id.rawValue)
            let pipeline = OutboxSamples.notification("msg_stale", rule: "stale", snapshotID: nil)
            // Queued twice to one target, once to another; the pipeline alert once without
            // a run, once with the run given.
            let added = try await ledger.recordAlerts(job: "monthly", organizationID: 42) { _ in
                AlertingPlan(states: [OutboxSamples.state("grew", snapshotID: snapshot.id.rawValue),
                                      OutboxSamples.state("stale", snapshotID: nil)],
                             deliveries: [PlannedDelivery(notification: change, target: "ops"),
                                          PlannedDelivery(notification: change, target: "ops"),
                                          PlannedDelivery(notification: change, target: "finance"),
                                          PlannedDelivery(notification: pipeline, target: "ops")],
                             now: 1_000)
            }
            try await ledger.evaluatePipelineAlerts([WatchedSeries(job: "monthly", organizationID: 42)], now: 1_000,
                                                    runID: running) { _ in
                AlertingPlan(states: [], deliveries: [PlannedDelivery(notification: pipeline, target: "finance")],
                             now: 1_000)
            }
            // PostgreSQL's sequence spends an id on the duplicate it turned away: the ids' order
            // (newest first) is the contract, not their values.
            let rows = try await ledger.deliveries().map { row in
                var numbered = row
                numbered.id = 0
                return numbered
            }
            return Enqueued(added: added, rows: rows, head: try await ledger.chainHead(),
                            runs: [running, nil, snapshot.runID, snapshot.runID])
        }
        #expect(postgres == sqlite)
        #expect(postgres.added == 3, "the second change>ops is the first one")
        #expect(postgres.rows.count == 4)
        #expect(postgres.head != nil && postgres.rows.allSatisfy { $0.notification.chainHead == postgres.head })
        #expect(postgres.rows.map(\.runID) == postgres.runs,
                "newest first: a given run, none for the clock's alert, else the snapshot's run")
    }

    struct Enqueued: Equatable {
        var added: Int
        var rows: [OutboxEntry]
        var head: ChainHead?
        /// The runs the rows belong to, newest row first.
        var runs: [RunID?]
    }
}
