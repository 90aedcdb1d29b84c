import Foundation
import Ledger
import Logging
import PostgresNIO
import PostgresTestSupport
import Testing
import UnpaidCore
@testable import PostgresLedger

/// Several replicas draining one outbox: a row handed to one is never handed to another
/// while its claim lives, and goes out again, with the same message id, once it lapses.
@Suite struct PostgresOutboxClaimTests {
    static let logger = Logger(label: "postgres-outbox-claim-tests", factory: { _ in SwiftLogNoOpLogHandler() })
    static let alert = OutboxSamples.state("stale", snapshotID: nil)

    /// Two ledgers (two pools, as two replicas have) on one fresh database.
    static func withTwoReplicas<Result>(
        location: PostgresLocation? = nil, environment: [String: String]? = nil,
        _ body: (PostgresLedger, PostgresLedger) async throws -> Result
    ) async throws -> Result {
        let location = if let location { location } else { try await TestPostgresCluster.shared.freshDatabase() }
        let environment = if let environment { environment } else { try await TestPostgresCluster.shared.environment() }
        return try await PostgresLedger.withLedger(location, environment: environment, logger: logger,
                                                   maximumConnections: 3) { first in
            try await PostgresLedger.withLedger(location, environment: environment, logger: logger,
                                                maximumConnections: 3) { second in
                try await body(first, second)
            }
        }
    }

    /// Queues `count` rows of one pipeline alert over four targets, due from 1 000 on;
    /// returns their keys ("message>target").
    @discardableResult
    static func queue(_ count: Int, on ledger: PostgresLedger, prefix: String = "m") async throws -> Set<String> {
        try await ledger.write { connection in
            try await PostgresAlertRows.upsert(alert, on: connection, logger: logger)
            var keys: Set<String> = []
            for index in 0..<count {
                let target = "t\(index % 4)"
                let note = OutboxSamples.notification("\(prefix)-\(index)", rule: "stale", snapshotID: nil)
                _ = try await PostgresOutboxRows.enqueue(PlannedDelivery(notification: note, target: target),
                                                         at: 1_000 + Int64(index % 5), on: connection, logger: logger)
                keys.insert("\(prefix)-\(index)>\(target)")
            }
            return keys
        }
    }

    static func keys(_ entries: [OutboxEntry]) -> [String] { entries.map { "\($0.messageID)>\($0.target)" } }

    @Test func replicasDeliveringAtOnceNeverReceiveTheSameRow() async throws {
        try await Self.withTwoReplicas { first, second in
            let queued = try await Self.queue(400, on: first)
            // Each replica holds its first claim until the other holds one too: on a loaded
            // machine one could otherwise drain the outbox before the other even started.
            let holdingFirstClaim = Rendezvous(of: 2)
            let received = try await withThrowingTaskGroup(of: [String].self) { group in
                for replica in [first, second] {
                    group.addTask {
                        var received: [String] = []
                        while true {
                            let due = try await replica.dueDeliveries(now: 2_000, limit: 5, wholeRuns: [])
                            guard !due.isEmpty else { return received }
                            if received.isEmpty { try await holdingFirstClaim.arriveAndWait() }
                            received += Self.keys(due)
                            for entry in due {
                                try await replica.markDelivered(messageID: entry.messageID, target: entry.target,
                                                                attempts: 1, at: 2_000)
                            }
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let all = received.flatMap { $0 }
            #expect(all.count == queued.count, "each row received once, by one replica")
            #expect(Set(all) == queued)
            #expect(received.allSatisfy { !$0.isEmpty }, "both replicas took part")
            #expect(try await first.outboxCounts().map(\.count).reduce(0, +) == 400)
            #expect(try await first.deliveries(status: .pending, limit: nil).isEmpty)
        }
    }

    @Test func aClaimHoldsBeyondItsTransactionUntilTheOutcomeIsRecorded() async throws {
        try await Self.withTwoReplicas { first, second in
            let queued = try await Self.queue(150, on: first)
            async let firstClaim = first.dueDeliveries(now: 2_000, limit: 60, wholeRuns: [])
            async let secondClaim = second.dueDeliveries(now: 2_000, limit: 60, wholeRuns: [])
            let (a, b) = try await (Set(Self.keys(firstClaim)), Set(Self.keys(secondClaim)))
            #expect(a.count == 60 && b.count == 60 && a.isDisjoint(with: b))

            // Asked again, each gets its own claims back (say, after its target paced them)
            // and the rest, never the other's.
            let secondAgain = Set(Self.keys(try await second.dueDeliveries(now: 2_000, limit: 500, wholeRuns: [])))
            #expect(secondAgain == queued.subtracting(a))
            #expect(try await first.dueDeliveries(now: 2_000, limit: 500, wholeRuns: []).map(\.messageID).count == 60)

            // What the other holds is due, for a replica, when the other's lease lapses: the
            // first replica's next due row is the earliest of its own (which rows each claim
            // got depends on which ran first).
            let firstOwnEarliest = a.compactMap { key in
                key.split(separator: ">").first?.split(separator: "-").last.flatMap { Int64($0) }.map { 1_000 + $0 % 5 }
            }.min()
            #expect(try await first.nextDeliveryDue(wholeRuns: []) == firstOwnEarliest)
            for entry in try await second.dueDeliveries(now: 2_000, limit: 500, wholeRuns: []) {
                try await second.markDelivered(messageID: entry.messageID, target: entry.target, attempts: 1, at: 2_000)
            }
            let lapse = try #require(try await second.nextDeliveryDue(wholeRuns: []))
            let now = Int64(Date().timeIntervalSince1970)
            #expect(lapse >= now + PostgresOutboxClaim.leasePerDelivery - 30, "the first lease of a target is one delivery")
            #expect(lapse <= now + 60 * PostgresOutboxClaim.leasePerDelivery)
        }
    }

    @Test func aLapsedClaimIsHandedOutAgainWithTheSameMessageID() async throws {
        try await Self.withTwoReplicas { first, second in
            try await Self.queue(3, on: first)
            let claimed = try await first.dueDeliveries(now: 2_000, limit: 1, wholeRuns: [])
            #expect(Self.keys(claimed) == ["m-0>t0"])
            #expect(Self.keys(try await second.dueDeliveries(now: 2_000, limit: 10, wholeRuns: [])) == ["m-1>t1", "m-2>t2"])

            // The first replica dies holding m-0: its lease runs out on the database's clock.
            _ = try await first.write { connection in
                try await connection.query("""
                    UPDATE outbox_claim SET claimed_until = clock_timestamp() - interval '1 second'
                    WHERE claimed_by = \(first.claimant)
                    """, logger: Self.logger)
            }
            let again = try await second.dueDeliveries(now: 2_000, limit: 10, wholeRuns: [])
            let reclaimed = try #require(again.first { $0.messageID == "m-0" })
            #expect(reclaimed.notification == claimed[0].notification, "the same message, id and all")
            #expect(reclaimed.id == claimed[0].id && reclaimed.attempts == 0 && reclaimed.status == .pending)
            #expect(try await first.dueDeliveries(now: 2_000, limit: 10, wholeRuns: []).isEmpty,
                    "the second replica holds all three now")
        }
    }

    @Test func recordingAnAttemptOrAHoldGivesTheRowBack() async throws {
        try await Self.withTwoReplicas { first, second in
            try await Self.queue(3, on: first)
            let held = try await first.dueDeliveries(now: 2_000, limit: 3, wholeRuns: [])
            let heldElsewhere = try await second.dueDeliveries(now: 2_000, limit: 3, wholeRuns: [])
            #expect(held.count == 3 && heldElsewhere.isEmpty)
            try await first.markRetry(messageID: "m-0", target: "t0", attempts: 1, nextAttemptAt: 1_500, lastError: "HTTP 503")
            try await first.holdDelivery(messageID: "m-1", target: "t1", until: 1_800)
            let taken = try await second.dueDeliveries(now: 2_000, limit: 3, wholeRuns: [])
            #expect(Self.keys(taken) == ["m-0>t0", "m-1>t1"])
            #expect(taken.first?.attempts == 1 && taken.first?.lastError == "HTTP 503")
            try await second.markDead(messageID: "m-0", target: "t0", attempts: 2, reason: "HTTP 400", at: 2_000)
            try await first.markDelivered(messageID: "m-2", target: "t2", attempts: 1, at: 2_000)
            let claims = try await first.read { connection in
                try await PostgresLedger.rows("SELECT outbox_id FROM outbox_claim", on: connection, logger: Self.logger).count
            }
            #expect(claims == 1, "only m-1, which the second replica holds, is still claimed")
        }
    }

    @Test func aBatchLeavesOutRowsAnotherReplicaHolds() async throws {
        try await Self.withTwoReplicas { first, second in
            // Three rows of one target queued at one instant outside any run: one batch.
            try await first.write { connection in
                try await PostgresAlertRows.upsert(Self.alert, on: connection, logger: Self.logger)
                for index in 0..<3 {
                    let note = OutboxSamples.notification("b-\(index)", rule: "stale", snapshotID: nil)
                    _ = try await PostgresOutboxRows.enqueue(PlannedDelivery(notification: note, target: "chat"),
                                                             at: 1_000, on: connection, logger: Self.logger)
                }
            }
            let firstRow = try await first.dueDeliveries(now: 2_000, limit: 1, wholeRuns: [])
            #expect(Self.keys(firstRow) == ["b-0>chat"])
            let batch = try await second.pendingBatch(target: "chat", runID: nil, createdAt: 1_000)
            #expect(Self.keys(batch) == ["b-1>chat", "b-2>chat"])
            #expect(Self.keys(try await first.pendingBatch(target: "chat", runID: nil, createdAt: 1_000)) == ["b-0>chat"])
            #expect(Self.keys(try await first.dueDeliveries(now: 2_000, limit: 10, wholeRuns: [])) == ["b-0>chat"])
        }
    }

    @Test func aReplicaRoleWithTheGrantsFileClaimsAndReleases() async throws {
        let owner = try await TestPostgresCluster.shared.freshDatabase()
        _ = try await PostgresLedger.withLedger(owner, environment: try await TestPostgresCluster.shared.environment(),
                                                logger: Self.logger) { try await Self.queue(2, on: $0) }
        let role = try await TestPostgresCluster.shared.replicaRole(for: owner)
        try await Self.withTwoReplicas(location: role.location, environment: role.environment) { first, second in
            let claimed = try await first.dueDeliveries(now: 2_000, limit: 1, wholeRuns: [])
            #expect(Self.keys(try await second.pendingBatch(target: "t1", runID: nil, createdAt: 1_001)) == ["m-1>t1"])
            try await first.markDelivered(messageID: claimed[0].messageID, target: claimed[0].target, attempts: 1, at: 2_000)
            #expect(try await first.deliveries(status: .delivered, limit: nil).map(\.messageID) == ["m-0"])
        }
    }
}

