import Foundation
import GRDB
import Testing
import UnpaidCore
@testable import SQLiteLedger
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

    func fail(_ fixture: SQLiteFixture, at: Int64, _ error: String) throws {
        let run = try fixture.ledger.startRun(job: "monthly", startedAt: Date(timeIntervalSince1970: TimeInterval(at)))
        try fixture.ledger.recordFailure(OrganizationFailure(runID: run, job: "monthly", organizationID: 42, failedAt: at,
                                                             stage: "fetch", error: error))
        try fixture.ledger.finishRun(run, status: .failed, error: error, finishedAt: Date(timeIntervalSince1970: TimeInterval(at)))
    }

    @Test func failuresInARowCountFromTheNewestSnapshotAndTheWatchStartsOnce() async throws {
        let fixture = try SQLiteFixture()
        var seen: [SeriesHealth] = []
        try await fixture.ledger.evaluatePipelineAlerts([series], now: 1_000) { seen = $0.series; return .nothing(at: 1_000) }
        #expect(seen == [SeriesHealth(job: "monthly", organizationID: 42, watchedSince: 1_000)])
        try fail(fixture, at: 2_000, "RetCode 230")
        let snapshot = try fixture.record([order("A", "1")], shaSeed: 1, minute: 0)
        try fail(fixture, at: 1_793_000_100, "RetCode 230")
        try fail(fixture, at: 1_793_000_200, "not a workbook")
        try await fixture.ledger.evaluatePipelineAlerts([series], now: 1_793_000_300) { seen = $0.series; return .nothing(at: 0) }
        let health = try #require(seen.first)
        #expect(health.watchedSince == 1_000, "the first watch is kept")
        #expect(health.lastSuccessAt == 1_793_000_000 && health.lastSuccessSnapshotID == snapshot.id.rawValue)
        #expect(health.consecutiveFailures == 2 && health.lastFailureAt == 1_793_000_200)
        #expect(health.lastError == "fetch: not a workbook")
        try fixture.record([order("A", "1")], shaSeed: 2, minute: 10)
        #expect(try fixture.ledger.seriesHealth([series]).first?.consecutiveFailures == 0)
        #expect(try fixture.ledger.failures(job: "monthly", organizationID: 42).count == 3)
    }

    @Test func aPipelineAlertNeedsNoCurrencyAndNoSnapshotAndIsListedWithTheOthers() async throws {
        let fixture = try SQLiteFixture()
        try await fixture.ledger.evaluatePipelineAlerts([series], now: 5_000) { pipelinePlan($0, now: 5_000) }
        let alert = try await #require(try fixture.ledger.alerts().first)
        #expect(alert.state.identity.currency == nil && alert.state.lastSnapshotID == nil)
        #expect(alert.lastNotification?.pipeline?.watchedSince == 5_000)
        let queued = try await fixture.ledger.deliveries()
        #expect(queued.count == 1 && queued.first?.notification.snapshotID == nil)
        // Evaluated again: the same message id is not queued twice.
        try await fixture.ledger.evaluatePipelineAlerts([series], now: 5_000) { pipelinePlan($0, now: 5_000) }
        await #expect(try fixture.ledger.deliveries().count == 1)
    }

    @Test func deadDeliveriesGoBackToPendingWithTheirIDsAndTheirDeathIsKept() async throws {
        let fixture = try SQLiteFixture()
        let first = try fixture.recordAlerting([order("A", "10")], shaSeed: 1, minute: 0) { firingPlan($0, targets: ["ops", "chat"]) }
        let id = notification(snapshotID: first.record.id).messageID
        try fixture.ledger.markDead(messageID: id, target: "ops", attempts: 4, reason: "HTTP 400", at: 2_000)
        try fixture.ledger.markDead(messageID: id, target: "chat", attempts: 1, reason: "HTTP 404", at: 9_000)
        #expect(try fixture.ledger.retryDead(target: "nobody", now: 10_000).isEmpty)
        let requeued = try fixture.ledger.retryDead(since: 5_000, now: 10_000)
        #expect(requeued.map(\.target) == ["chat"] && requeued.first?.messageID == id)
        #expect(requeued.first?.status == .pending && requeued.first?.nextAttemptAt == 10_000)
        #expect(requeued.first?.requeuedAt == 10_000 && requeued.first?.attempts == 1)
        await #expect(try fixture.ledger.dueDeliveries(now: 10_000, limit: 10).map(\.target) == ["chat"])
        let kept = try await fixture.ledger.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT died_at, last_error FROM outbox_requeue").map { ($0[0] as Int64, $0[1] as String) }
        }
        #expect(kept.count == 1 && kept[0] == (9_000, "HTTP 404"))
        // Died again and requeued again in the same second: still one record per requeue.
        try fixture.ledger.markDead(messageID: id, target: "chat", attempts: 2, reason: "HTTP 404", at: 10_000)
        #expect(try fixture.ledger.retryDead(target: "chat", now: 10_000).first?.requeuedAt == 10_001)
    }

    @Test func theSchemaAllowsExactlyTheRequeueOfADeadRow() async throws {
        let fixture = try SQLiteFixture()
        let first = try fixture.recordAlerting([order("A", "10")], shaSeed: 1, minute: 0) { firingPlan($0, targets: ["ops", "chat"]) }
        let id = notification(snapshotID: first.record.id).messageID
        try fixture.ledger.markDead(messageID: id, target: "ops", attempts: 1, reason: "HTTP 400", at: 2_000)
        try fixture.ledger.markDelivered(messageID: id, target: "chat", attempts: 1, at: 2_000)
        try fail(fixture, at: 3_000, "RetCode 230")
        try await fixture.ledger.pool.write { db in
            for sql in ["UPDATE outbox SET status = 'pending', finished_at = NULL, requeued_at = 3000 WHERE target = 'ops'",
                        "UPDATE outbox SET last_error = 'rewritten' WHERE target = 'ops'",
                        "UPDATE outbox SET status = 'pending', finished_at = NULL WHERE target = 'chat'",
                        "DELETE FROM outbox WHERE target = 'ops'",
                        "UPDATE organization_failure SET error = 'x'"] {
                #expect(throws: DatabaseError.self, "\(sql)") { try db.execute(sql: sql) }
            }
        }
    }

    @Test func migratingFromV2KeepsEveryAlertAndDelivery() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("v7-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("ledger.sqlite").path
        do {
            let pool = try DatabasePool(path: path)
            try LedgerSchema.migrator.migrate(pool, upTo: "v2-alerts")
            try await pool.write { db in
                try db.execute(sql: """
                    INSERT INTO run (id, job, started_at_ms, finished_at_ms, status) VALUES (1, 'monthly', 0, 1, 'succeeded');
                    INSERT INTO series (id, job, organization_id) VALUES (1, 'monthly', 42);
                    INSERT INTO snapshot (id, run_id, series_id, period_start, period_end, period_label, fetched_at_ms,
                        file_name, file_size, sha256, archive_path, row_count)
                        VALUES (1, 1, 1, 0, 10, 'p', 0, 'f.xlsx', 1, '\(String(repeating: "ab", count: 32))', 'a', 0);
                    INSERT INTO alert_state VALUES ('k', 'grew', 'monthly', 42, 'USD', 'firing', 1000, 1000, NULL, 1);
                    """)
                try db.execute(sql: """
                    INSERT INTO outbox (message_id, target, identity_key, kind, snapshot_id, notification_json, created_at,
                        next_attempt_at, status, last_error, finished_at, attempts) VALUES (?, 'ops', 'k', 'firing', 1, ?, 1000, 1000, 'dead', 'HTTP 400', 1001, 1)
                    """, arguments: ["msg_grew_1", try LedgerJSON.encode(notification(snapshotID: SnapshotID(rawValue: 1)))])
            }
        }
        let ledger = try SQLiteLedger(path: path)
        let alert = try await #require(try ledger.alerts().first)
        #expect(alert.state.identity.currency == "USD" && alert.state.lastSnapshotID == 1)
        let dead = try await ledger.deliveries(status: .dead)
        #expect(dead.map(\.messageID) == ["msg_grew_1"] && dead.first?.lastError == "HTTP 400")
        await #expect(try ledger.retryDead(now: 2_000).map(\.status) == [.pending])
    }
}
