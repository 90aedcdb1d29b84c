import Foundation
import Testing
import UnpaidCore
import Ledger
import LedgerTestSupport

/// A stale alert as the pipeline evaluator would store and notify it: no currency, no snapshot.
func pipelinePlan(_ input: PipelineAlertingInput, now: Int64) -> AlertingPlan {
    let identity = AlertIdentity(rule: "stale", job: "monthly", organizationID: 42, currency: nil)
    let health = input.series[0]
    let note = AlertNotification(
        messageID: "msg_stale_\(now)", kind: .firing, identity: identity, condition: "on = stale, after = 26h",
        targets: ["ops"], snapshotID: health.lastSuccessSnapshotID, firingSince: now, createdAt: now, before: nil,
        after: Total(), newOrderCount: 0, goneOrderCount: 0, changedOrderCount: 0, highlightedOrders: [], pipeline: health)
    return AlertingPlan(states: [AlertState(identity: identity, status: .firing, firingSince: now, lastNotifiedAt: now,
                                            lastSnapshotID: nil)],
                        deliveries: [PlannedDelivery(notification: note, target: "ops")], now: now)
}

@Suite struct PipelineAlertLedgerTests {
    let series = WatchedSeries(job: "monthly", organizationID: 42)

    func fail(_ fixture: LedgerFixture, at: Int64, _ error: String) async throws {
        let date = Date(timeIntervalSince1970: TimeInterval(at))
        let run = try await fixture.ledger.startRun(job: "monthly", startedAt: date)
        try await fixture.ledger.recordFailure(OrganizationFailure(runID: run, job: "monthly", organizationID: 42,
                                                                   failedAt: at, stage: "fetch", error: error))
        try await fixture.ledger.finishRun(run, status: .failed, error: error, finishedAt: date)
    }

    @Test(arguments: LedgerBackend.allCases)
    func failuresInARowCountFromTheNewestSnapshotAndTheWatchStartsOnce(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            var seen: [SeriesHealth] = []
            try await fixture.ledger.evaluatePipelineAlerts([series], now: 1_000) { seen = $0.series; return .nothing(at: 1_000) }
            #expect(seen == [SeriesHealth(job: "monthly", organizationID: 42, watchedSince: 1_000)])
            try await fail(fixture, at: 2_000, "RetCode 230")
            let snapshot = try await fixture.record([order("A", "1")], shaSeed: 1, minute: 0)
            try await fail(fixture, at: 1_793_000_100, "RetCode 230")
            try await fail(fixture, at: 1_793_000_200, "not a workbook")
            try await fixture.ledger.evaluatePipelineAlerts([series], now: 1_793_000_300) { seen = $0.series; return .nothing(at: 0) }
            let health = try #require(seen.first)
            #expect(health.watchedSince == 1_000, "the first watch is kept")
            #expect(health.lastSuccessAt == 1_793_000_000 && health.lastSuccessSnapshotID == snapshot.id.rawValue)
            #expect(health.consecutiveFailures == 2 && health.lastFailureAt == 1_793_000_200)
            #expect(health.lastError == "fetch: not a workbook")
            try await fixture.record([order("A", "1")], shaSeed: 2, minute: 10)
            #expect(try await fixture.ledger.seriesHealth([series]).first?.consecutiveFailures == 0)
            #expect(try await fixture.ledger.failures(job: "monthly", organizationID: 42, limit: 10).count == 3)
        }
    }

    @Test(arguments: LedgerBackend.allCases)
    func aPipelineAlertNeedsNoCurrencyAndNoSnapshotAndIsListedWithTheOthers(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            try await fixture.ledger.evaluatePipelineAlerts([series], now: 5_000) { pipelinePlan($0, now: 5_000) }
            let alert = try #require(try await fixture.ledger.alerts().first)
            #expect(alert.state.identity.currency == nil && alert.state.lastSnapshotID == nil)
            #expect(alert.lastNotification?.pipeline?.watchedSince == 5_000)
            let queued = try await fixture.ledger.deliveries()
            #expect(queued.count == 1 && queued.first?.notification.snapshotID == nil)
            // Evaluated again: the same message id is not queued twice.
            try await fixture.ledger.evaluatePipelineAlerts([series], now: 5_000) { pipelinePlan($0, now: 5_000) }
            #expect(try await fixture.ledger.deliveries().count == 1)
        }
    }

    @Test(arguments: LedgerBackend.allCases)
    func deadDeliveriesGoBackToPendingWithTheirIDsAndTheirDeathIsKept(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let ledger = fixture.ledger
            let first = try await fixture.recordAlerting([order("A", "10")], shaSeed: 1, minute: 0) {
                firingPlan($0, targets: ["ops", "chat"])
            }
            let id = notification(snapshotID: first.record.id).messageID
            try await ledger.markDead(messageID: id, target: "ops", attempts: 4, reason: "HTTP 400", at: 2_000)
            try await ledger.markDead(messageID: id, target: "chat", attempts: 1, reason: "HTTP 404", at: 9_000)
            #expect(try await ledger.retryDead(target: "nobody", since: nil, now: 10_000).isEmpty)
            let requeued = try await ledger.retryDead(target: nil, since: 5_000, now: 10_000)
            #expect(requeued.map(\.target) == ["chat"] && requeued.first?.messageID == id)
            #expect(requeued.first?.status == .pending && requeued.first?.nextAttemptAt == 10_000)
            #expect(requeued.first?.requeuedAt == 10_000 && requeued.first?.attempts == 1)
            #expect(try await ledger.dueDeliveries(now: 10_000, limit: 10).map(\.target) == ["chat"])
            let kept = try await fixture.rowsBehindTheLedger("SELECT died_at, last_error FROM outbox_requeue")
            #expect(kept == [["died_at": "9000", "last_error": "HTTP 404"]])
            // Died again and requeued again in the same second: still one record per requeue.
            try await ledger.markDead(messageID: id, target: "chat", attempts: 2, reason: "HTTP 404", at: 10_000)
            #expect(try await ledger.retryDead(target: "chat", since: nil, now: 10_000).first?.requeuedAt == 10_001)
        }
    }

    @Test(arguments: LedgerBackend.allCases)
    func theSchemaAllowsExactlyTheRequeueOfADeadRow(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let first = try await fixture.recordAlerting([order("A", "10")], shaSeed: 1, minute: 0) {
                firingPlan($0, targets: ["ops", "chat"])
            }
            let id = notification(snapshotID: first.record.id).messageID
            try await fixture.ledger.markDead(messageID: id, target: "ops", attempts: 1, reason: "HTTP 400", at: 2_000)
            try await fixture.ledger.markDelivered(messageID: id, target: "chat", attempts: 1, at: 2_000)
            try await fail(fixture, at: 3_000, "RetCode 230")
            for sql in ["UPDATE outbox SET status = 'pending', finished_at = NULL, requeued_at = 3000 WHERE target = 'ops'",
                        "UPDATE outbox SET last_error = 'rewritten' WHERE target = 'ops'",
                        "UPDATE outbox SET status = 'pending', finished_at = NULL WHERE target = 'chat'",
                        "DELETE FROM outbox WHERE target = 'ops'",
                        "UPDATE organization_failure SET error = 'x'"] {
                await #expect(throws: SchemaRefusal.self, "\(sql)") { try await fixture.executeBehindTheLedger(sql) }
            }
        }
    }
}
