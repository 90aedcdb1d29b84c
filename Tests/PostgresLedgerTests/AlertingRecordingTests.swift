import Foundation
import Ledger
import LedgerTestSupport
import Testing
import UnpaidCore

/// A firing notification about a snapshot, as the evaluator would make one.
private func firing(snapshotID: SnapshotID, rule: String = "grew") -> AlertNotification {
    let identity = AlertIdentity(rule: rule, job: "monthly", organizationID: 42, currency: "USD")
    return AlertNotification(
        messageID: "msg_\(rule)_\(snapshotID.rawValue)", kind: .firing, identity: identity, condition: "on = increase",
        targets: ["ops"], snapshotID: snapshotID.rawValue, firingSince: 1_000, createdAt: 1_000,
        before: Total(count: 1, sum: try! Money("10.00")), after: Total(count: 2, sum: try! Money("25.50")),
        newOrderCount: 1, goneOrderCount: 0, changedOrderCount: 0, highlightedOrders: [])
}

private func firingPlan(about snapshotID: SnapshotID, targets: [String] = ["ops"]) -> AlertingPlan {
    let note = firing(snapshotID: snapshotID)
    let state = AlertState(identity: note.identity, status: .firing, firingSince: 1_000, lastNotifiedAt: 1_000,
                           lastSnapshotID: snapshotID.rawValue)
    return AlertingPlan(states: [state], deliveries: targets.map { PlannedDelivery(notification: note, target: $0) },
                        now: 1_000)
}

/// A stale alert as the pipeline evaluator would store and notify it: no currency, no snapshot.
private func stalePlan(_ input: PipelineAlertingInput, now: Int64) -> AlertingPlan {
    let identity = AlertIdentity(rule: "stale", job: "monthly", organizationID: 42, currency: nil)
    let health = input.series[0]
    let note = AlertNotification(
        messageID: "msg_stale_\(now)", kind: .firing, identity: identity, condition: "on = stale, after = 26h",
        targets: ["ops"], snapshotID: health.lastSuccessSnapshotID, firingSince: now, createdAt: now, before: nil,
        after: Total(), newOrderCount: 0, goneOrderCount: 0, changedOrderCount: 0, highlightedOrders: [],
        pipeline: health)
    return AlertingPlan(states: [AlertState(identity: identity, status: .firing, firingSince: now, lastNotifiedAt: now,
                                            lastSnapshotID: nil)],
                        deliveries: [PlannedDelivery(notification: note, target: "ops")], now: now)
}

private struct Refused: Error {}

/// The alerting form of `recordSnapshot`, `recordAlerts` and `evaluatePipelineAlerts` on
/// PostgreSQL store the states and outbox rows SQLite stores, in the same transaction.
@Suite struct AlertingRecordingTests {
    @Test func snapshotAlertsAndOutboxCommitTogetherOrNotAtAll() async throws {
        let (sqlite, postgres) = try await LedgerFixture.onBoth { fixture in
            let ledger = fixture.ledger
            try await fixture.recordAlerting([order("A", "1.00")], shaSeed: 1, minute: 0)
            let before = try await ledger.counts()
            await #expect(throws: Refused.self) {
                try await fixture.recordAlerting([order("A", "2.00"), order("B", "1")], shaSeed: 2, minute: 10) { _ in
                    throw Refused()
                }
            }
            let afterRefusal = try await ledger.counts()
            #expect(afterRefusal.snapshots == before.snapshots && afterRefusal.orderIntervals == before.orderIntervals)
            #expect(try await fixture.textsBehindTheLedger(StoredRows.changedOrders).isEmpty)
            #expect(try await fixture.textsBehindTheLedger(StoredRows.outbox).isEmpty)

            let recorded = try await fixture.recordAlerting([order("A", "2.00")], shaSeed: 3, minute: 20) {
                firingPlan(about: $0.snapshot.id, targets: ["ops", "chat"])
            }
            #expect(recorded.queued == 2 && recorded.previousSnapshotID?.rawValue == 1)
            let outbox = try await fixture.textsBehindTheLedger(StoredRows.outbox)
            #expect(outbox.count == 2)
            // Queued with the chain head as of its snapshot, which is this snapshot's link.
            let head = try #require(try await ledger.chainHead())
            #expect(head.snapshotID == recorded.record.id.rawValue)
            #expect(outbox.allSatisfy { $0.contains(head.hash) })
            // A later transaction planning the very same message adds no row.
            let again = try await fixture.recordAlerting([order("A", "2.00")], shaSeed: 4, minute: 30) { _ in
                AlertingPlan(states: [], deliveries: [PlannedDelivery(notification: firing(snapshotID: recorded.record.id),
                                                                      target: "ops")], now: 1_000)
            }
            #expect(again.queued == 0)
            return try await StoredRows.of(fixture)
        }
        #expect(postgres == sqlite)
    }

    @Test func laterAlertsSeeTheirSeriesStatesAndQueueOnce() async throws {
        let (sqlite, postgres) = try await LedgerFixture.onBoth { fixture in
            let ledger = fixture.ledger
            let snapshot = try await fixture.recordAlerting([order("A", "1")], shaSeed: 1, minute: 0) {
                firingPlan(about: $0.snapshot.id)
            }
            var seen: [AlertState] = []
            let mismatch = AlertNotification(
                messageID: "msg_mismatch_1", kind: .firing,
                identity: AlertIdentity(rule: "mismatch", job: "monthly", organizationID: 42, currency: "USD"),
                condition: "on = mismatch", targets: ["ops"], snapshotID: snapshot.record.id.rawValue, firingSince: 2_000,
                createdAt: 2_000, before: nil, after: Total(), newOrderCount: 0, goneOrderCount: 0, changedOrderCount: 0,
                highlightedOrders: [])
            let plan = AlertingPlan(
                states: [AlertState(identity: mismatch.identity, status: .firing, firingSince: 2_000, lastNotifiedAt: 2_000,
                                    lastSnapshotID: snapshot.record.id.rawValue)],
                deliveries: [PlannedDelivery(notification: mismatch, target: "ops")], now: 2_000)
            let first = try await ledger.recordAlerts(job: "monthly", organizationID: 42) { states in
                seen = states
                return plan
            }
            let second = try await ledger.recordAlerts(job: "monthly", organizationID: 42) { _ in plan }
            await #expect(throws: Refused.self) {
                try await ledger.recordAlerts(job: "monthly", organizationID: 42) { _ in throw Refused() }
            }
            let elsewhere = try await ledger.recordAlerts(job: "monthly", organizationID: 43) { states in
                #expect(states.isEmpty, "another organization's alerts are not its own")
                return .nothing(at: 0)
            }
            #expect(seen.map(\.identity.rule) == ["grew"])
            #expect((first, second, elsewhere) == (1, 0, 0))
            return try await StoredRows.of(fixture)
        }
        #expect(postgres == sqlite)
        #expect(sqlite[4].count == 2 && sqlite[5].count == 2)
    }

    @Test func pipelineAlertsWatchOnceCountFailuresFromTheNewestSnapshotAndQueueOnce() async throws {
        let series = WatchedSeries(job: "monthly", organizationID: 42)
        let (sqlite, postgres) = try await LedgerFixture.onBoth { fixture in
            let ledger = fixture.ledger
            func fail(at: Int64, _ error: String) async throws -> RunID {
                let run = try await ledger.startRun(job: "monthly", startedAt: Date(timeIntervalSince1970: TimeInterval(at)))
                try await ledger.recordFailure(OrganizationFailure(runID: run, job: "monthly", organizationID: 42,
                                                                   failedAt: at, stage: "fetch", error: error))
                try await ledger.finishRun(run, status: .failed, error: error,
                                           finishedAt: Date(timeIntervalSince1970: TimeInterval(at)))
                return run
            }
            var seen: [[SeriesHealth]] = []
            try await ledger.evaluatePipelineAlerts([series], now: 1_000, runID: nil) {
                seen.append($0.series)
                return .nothing(at: 1_000)
            }
            _ = try await fail(at: 2_000, "RetCode 230")
            try await fixture.record([order("A", "1")], shaSeed: 1, minute: 0)
            _ = try await fail(at: 1_793_000_100, "RetCode 230")
            let lastRun = try await fail(at: 1_793_000_200, "not a workbook")
            let plan = try await ledger.evaluatePipelineAlerts([series], now: 1_793_000_300, runID: lastRun) {
                seen.append($0.series)
                return stalePlan($0, now: 1_793_000_300)
            }
            try await ledger.evaluatePipelineAlerts([series], now: 1_793_000_300, runID: lastRun) {
                #expect($0.states.map(\.identity.rule) == ["stale"])
                return stalePlan($0, now: 1_793_000_300)
            }
            await #expect(throws: Refused.self) {
                try await ledger.evaluatePipelineAlerts([WatchedSeries(job: "daily", organizationID: 1)], now: 9,
                                                        runID: nil) { _ in throw Refused() }
            }
            return (seen, plan, try await StoredRows.of(fixture),
                    try await fixture.textsBehindTheLedger(
                        "SELECT job || '|' || CAST(watched_since AS TEXT) AS line FROM series_watch ORDER BY job"))
        }
        #expect(postgres.0 == sqlite.0 && postgres.1 == sqlite.1 && postgres.2 == sqlite.2 && postgres.3 == sqlite.3)
        let health = try #require(postgres.0.last?.first)
        #expect(health.watchedSince == 1_000, "the first watch is kept")
        #expect(health.lastSuccessSnapshotID == 1 && health.consecutiveFailures == 2)
        #expect(health.lastError == "fetch: not a workbook")
        let outbox = try #require(postgres.2[5].first?.split(separator: "|", maxSplits: 8))
        #expect(postgres.2[5].count == 1 && outbox[4] == "1" && outbox[7] == "4", "queued once, as part of the run given")
        #expect(postgres.3 == ["monthly|1000"], "a refused evaluation watches nothing")
    }
}
