import Foundation
import Ledger
import LedgerTestSupport
import Testing
import UnpaidCore

/// What one outbox answered at each step of the lifecycle, to compare backends whole.
enum OutboxObservation: Hashable, Sendable {
    case entries(String, [OutboxEntry])
    case instant(String, Int64?)
    case number(String, Int)
    case flag(String, Bool)
    case disabled([DisabledTarget])
    case counts([OutboxCount])
    case alerts(String, [StoredAlert])
}

/// The lifecycle of outbox rows, run on each backend: due, batch, delivered, retry, dead,
/// retry-dead, hold and release, disable and enable, counts and the alert list.
///
/// Targets: `ops` gets one message per row, `chat` one per run (its rows wait for their
/// run), `night` has quiet hours.
@Suite struct OutboxLifecycleTests {
    @Test(arguments: LedgerBackend.allCases)
    func lifecycleAnswersAsTheReferenceSays(_ backend: LedgerBackend) async throws {
        let observations = try await LedgerFixture.with(backend, Self.lifecycle)
        Self.expectReferenceAnswers(observations)
    }

    @Test func bothBackendsAnswerEveryStepAlike() async throws {
        let (sqlite, postgres) = try await LedgerFixture.onBoth(Self.lifecycle)
        #expect(postgres.count == sqlite.count)
        for (onPostgres, onSQLite) in zip(postgres, sqlite) { #expect(onPostgres == onSQLite) }
    }

    static let wholeRuns: Set<String> = ["chat"]

    /// The steps, each answer observed.
    static func lifecycle(_ fixture: LedgerFixture) async throws -> [OutboxObservation] {
        let ledger = fixture.ledger
        let snapshots = try await OutboxHistory.record(on: fixture)
        let finished = snapshots[0], running = snapshots.last!
        let grew = OutboxSamples.notification("m-grew", snapshotID: finished.id.rawValue)
        let stillRunning = OutboxSamples.notification("m-running", rule: "shrank", snapshotID: running.id.rawValue)
        let stale = OutboxSamples.notification("m-stale", rule: "stale", snapshotID: nil)
        let failing = OutboxSamples.notification("m-failing", rule: "failing", snapshotID: nil)
        var seen: [OutboxObservation] = []

        let added = try await ledger.queue(
            states: [OutboxSamples.state("grew", snapshotID: finished.id.rawValue),
                     OutboxSamples.state("shrank", snapshotID: running.id.rawValue, status: .resolved, notifiedAt: 1_100),
                     OutboxSamples.state("stale", snapshotID: nil), OutboxSamples.state("failing", snapshotID: nil)],
            [QueuedDelivery(grew, to: "ops", at: 1_000), QueuedDelivery(grew, to: "chat", at: 1_000),
             QueuedDelivery(stillRunning, to: "chat", at: 1_000), QueuedDelivery(stillRunning, to: "ops", at: 1_001),
             QueuedDelivery(stale, to: "ops", at: 1_002), QueuedDelivery(failing, to: "ops", at: 1_002),
             QueuedDelivery(grew, to: "night", at: 1_003), QueuedDelivery(grew, to: "ops", at: 1_004)])
        seen.append(.number("queued", added))

        seen.append(.entries("due before any", try await ledger.dueDeliveries(now: 999, limit: 100, wholeRuns: wholeRuns)))
        seen.append(.entries("due, limit 3", try await ledger.dueDeliveries(now: 1_002, limit: 3, wholeRuns: wholeRuns)))
        seen.append(.entries("due", try await ledger.dueDeliveries(now: 1_010, limit: 100, wholeRuns: wholeRuns)))
        seen.append(.entries("due, chat not whole runs", try await ledger.dueDeliveries(now: 1_010, limit: -1)))
        seen.append(.instant("next due", try await ledger.nextDeliveryDue(wholeRuns: wholeRuns)))
        seen.append(.entries("chat's run batch", try await ledger.pendingBatch(
            target: "chat", runID: finished.runID, createdAt: 1_000)))
        seen.append(.entries("ops' batch outside a run", try await ledger.pendingBatch(
            target: "ops", runID: nil, createdAt: 1_002)))

        try await ledger.markDelivered(messageID: "m-grew", target: "ops", attempts: 1, at: 1_020)
        try await ledger.markRetry(messageID: "m-running", target: "ops", attempts: 1, nextAttemptAt: 2_000,
                                   lastError: "HTTP 503")
        try await ledger.markDead(messageID: "m-stale", target: "ops", attempts: 3, reason: "HTTP 400", at: 900)
        try await ledger.holdDelivery(messageID: "m-grew", target: "night", until: 5_000)
        // Finished rows are history: a late outcome changes nothing.
        try await ledger.markRetry(messageID: "m-grew", target: "ops", attempts: 2, nextAttemptAt: 9_000, lastError: "late")
        try await ledger.markDelivered(messageID: "m-stale", target: "ops", attempts: 4, at: 1_030)
        seen.append(.entries("due after outcomes", try await ledger.dueDeliveries(now: 1_500, limit: 100, wholeRuns: wholeRuns)))
        seen.append(.instant("next due after outcomes", try await ledger.nextDeliveryDue(wholeRuns: wholeRuns)))

        seen.append(.number("released none", try await ledger.releaseHeldDeliveries(targets: [], now: 1_200)))
        seen.append(.number("released ops", try await ledger.releaseHeldDeliveries(targets: ["ops"], now: 1_200)))
        seen.append(.number("released night", try await ledger.releaseHeldDeliveries(targets: ["night", "ops"], now: 1_200)))

        try await ledger.disableTarget("ops", reason: "HTTP 410 Gone", at: 1_300)
        try await ledger.disableTarget("ops", reason: "again", at: 1_400)
        seen.append(.disabled(try await ledger.disabledTargets()))
        seen.append(.entries("due, ops disabled", try await ledger.dueDeliveries(now: 3_000, limit: 100, wholeRuns: [])))
        seen.append(.flag("enabled ops", try await ledger.enableTarget("ops")))
        seen.append(.flag("enabled ops again", try await ledger.enableTarget("ops")))
        seen.append(.disabled(try await ledger.disabledTargets()))

        seen.append(.entries("retry dead of chat", try await ledger.retryDead(target: "chat", since: nil, now: 4_000)))
        seen.append(.entries("retry dead since later", try await ledger.retryDead(target: nil, since: 1_003, now: 4_000)))
        seen.append(.entries("retry dead", try await ledger.retryDead(target: nil, since: nil, now: 4_000)))
        try await ledger.markDead(messageID: "m-stale", target: "ops", attempts: 4, reason: "HTTP 400 again", at: 4_010)
        seen.append(.entries("retry dead twice at once", try await ledger.retryDead(target: "ops", since: 4_010, now: 4_000)))

        seen.append(.entries("deliveries", try await ledger.deliveries(status: nil, limit: nil)))
        seen.append(.entries("pending, 2", try await ledger.deliveries(status: .pending, limit: 2)))
        seen.append(.entries("delivered", try await ledger.deliveries(status: .delivered, limit: -1)))
        seen.append(.counts(try await ledger.outboxCounts()))
        seen.append(.alerts("alerts", try await ledger.alerts(status: nil)))
        seen.append(.alerts("resolved alerts", try await ledger.alerts(status: .resolved)))
        return seen
    }

    /// The answers SQLite gives, written out: each backend must give them.
    static func expectReferenceAnswers(_ seen: [OutboxObservation]) {
        func entries(_ label: String) -> [OutboxEntry] {
            for case .entries(label, let list) in seen { return list }
            Issue.record("no step \(label)")
            return []
        }
        func keys(_ label: String) -> [String] { entries(label).map { "\($0.messageID)>\($0.target)" } }
        #expect(seen.first == .number("queued", 7), "the second m-grew>ops is the first one")
        #expect(keys("due before any") == [])
        #expect(keys("due, limit 3") == ["m-grew>ops", "m-grew>chat", "m-running>ops"])
        #expect(keys("due") == ["m-grew>ops", "m-grew>chat", "m-running>ops", "m-stale>ops", "m-failing>ops",
                                "m-grew>night"], "m-grew>ops is queued once; m-running>chat waits for its run")
        #expect(keys("due, chat not whole runs") == ["m-grew>ops", "m-grew>chat", "m-running>chat", "m-running>ops",
                                                     "m-stale>ops", "m-failing>ops", "m-grew>night"])
        #expect(seen.contains(.instant("next due", 1_000)))
        #expect(keys("chat's run batch") == ["m-grew>chat"])
        #expect(keys("ops' batch outside a run") == ["m-stale>ops", "m-failing>ops"])
        #expect(keys("due after outcomes") == ["m-grew>chat", "m-failing>ops"])
        #expect(seen.contains(.instant("next due after outcomes", 1_000)))
        #expect(seen.contains(.number("released none", 0)) && seen.contains(.number("released ops", 0)))
        #expect(seen.contains(.number("released night", 1)))
        #expect(keys("due, ops disabled") == ["m-grew>chat", "m-running>chat", "m-grew>night"])
        #expect(seen.contains(.flag("enabled ops", true)) && seen.contains(.flag("enabled ops again", false)))
        #expect(keys("retry dead of chat") == [] && keys("retry dead since later") == [])
        let requeued = entries("retry dead")
        #expect(requeued.map(\.status) == [.pending] && requeued.first?.requeuedAt == 4_000
                && requeued.first?.nextAttemptAt == 4_000 && requeued.first?.attempts == 3)
        #expect(entries("retry dead twice at once").first?.requeuedAt == 4_001, "strictly after the last requeue")
        #expect(entries("deliveries").count == 7)
        #expect(entries("pending, 2").count == 2 && entries("delivered").map(\.messageID) == ["m-grew"])
        for case .counts(let counts) in seen {
            #expect(counts.map { "\($0.target) \($0.status) \($0.count)" }
                    == ["chat pending 2", "night pending 1", "ops delivered 1", "ops pending 3"])
        }
        for case .alerts("alerts", let alerts) in seen {
            #expect(alerts.map(\.state.identity.rule) == ["failing", "grew", "stale", "shrank"])
            #expect(alerts.first { $0.state.identity.rule == "grew" }?.lastNotification?.messageID == "m-grew")
        }
    }
}
