import Foundation
import GRDB
import Testing
import UnpaidCore
@testable import SQLiteLedger
import Ledger
import LedgerTestSupport

extension SQLiteFixture {
    /// Records a snapshot through the alerting path in a finished run.
    @discardableResult
    func recordAlerting(_ orders: [UnpaidOrder], job: String = "monthly", shaSeed: Int, minute: Int,
                        alerting: (AlertingInput) throws -> AlertingPlan = { _ in .nothing(at: 0) }) throws -> AlertedSnapshot {
        let at = Self.base.addingTimeInterval(Double(minute) * 60)
        let run = try ledger.startRun(job: job, startedAt: at)
        let result = try ledger.recordSnapshot(snapshot(run: run, job: job, shaSeed: shaSeed, at: at),
                                               orders: orders, alerting: alerting)
        try ledger.finishRun(run, status: .succeeded, error: nil, finishedAt: at.addingTimeInterval(5))
        return result
    }
}

/// A firing notification for a snapshot, as the evaluator would make one.
func notification(snapshotID: SnapshotID, rule: String = "grew", currency: String = "USD") -> AlertNotification {
    let identity = AlertIdentity(rule: rule, job: "monthly", organizationID: 42, currency: currency)
    return AlertNotification(
        messageID: "msg_\(rule)_\(snapshotID.rawValue)", kind: .firing, identity: identity, condition: "on = increase",
        targets: ["ops"], snapshotID: snapshotID.rawValue, firingSince: 1_000, createdAt: 1_000,
        before: Total(count: 1, sum: try! Money("10.00")), after: Total(count: 2, sum: try! Money("25.50")),
        newOrderCount: 1, goneOrderCount: 0, changedOrderCount: 0, highlightedOrders: [])
}

func firingPlan(_ input: AlertingInput, targets: [String] = ["ops"]) -> AlertingPlan {
    let note = notification(snapshotID: input.snapshot.id)
    let state = AlertState(identity: note.identity, status: .firing, firingSince: 1_000, lastNotifiedAt: 1_000,
                           lastSnapshotID: input.snapshot.id.rawValue)
    return AlertingPlan(states: [state], deliveries: targets.map { PlannedDelivery(notification: note, target: $0) },
                        now: 1_000)
}

@Suite struct AlertLedgerTests {
    @Test func changeIsRecordedExactlyWithOrderNumbers() async throws {
        let fixture = try SQLiteFixture()
        let first = try fixture.recordAlerting([order("A", "10.10"), order("B", "0.20"), order("E", "5", currency: "CNY")],
                                               shaSeed: 1, minute: 0)
        #expect(first.diff == nil && first.previousSnapshotID == nil)
        #expect(try fixture.ledger.changes(in: first.record.id) == nil)

        var seen: AlertingInput?
        let second = try fixture.recordAlerting(
            [order("A", "10.10"), order("B", "0.30"), order("C", "1000000000000.000001"), order("E", "5", currency: "CNY")],
            shaSeed: 2, minute: 10) { input in
                seen = input
                return .nothing(at: 0)
            }
        #expect(seen?.previousSnapshotID == first.record.id)
        #expect(seen?.diff == second.diff)
        let rows = try fixture.ledger.changeRows(in: second.record.id)
        #expect(rows.count == 1, "CNY did not move")
        let usd = try #require(rows.first)
        #expect(usd.currency == "USD")
        #expect((usd.beforeCount, usd.afterCount) == (2, 3))
        #expect((usd.beforeSum, usd.afterSum) == ("10.30", "1000000000010.400001"))
        #expect(usd.delta == "1000000000000.100001")
        #expect(usd.newOrderNumbers == ["C"] && usd.goneOrderNumbers == [] && usd.changedOrderNumbers == ["B"])
        let stored = try #require(try fixture.ledger.changes(in: second.record.id))
        #expect(stored.map(\.change) == second.diff?.currencies)
        #expect(stored.first?.previousSnapshotID == first.record.id)

        let third = try fixture.recordAlerting([order("A", "10.10"), order("E", "5", currency: "CNY")],
                                               shaSeed: 3, minute: 20)
        let gone = try #require(try fixture.ledger.changeRows(in: third.record.id).first)
        #expect(gone.goneOrderNumbers == ["B", "C"] && gone.delta == "-1000000000000.300001")
    }

    @Test func unchangedSnapshotIsComparedAndEmpty() async throws {
        let fixture = try SQLiteFixture()
        try fixture.recordAlerting([order("A", "1.00")], shaSeed: 1, minute: 0)
        let sameBytes = try fixture.recordAlerting([order("A", "1.00")], shaSeed: 1, minute: 10)
        let newBytes = try fixture.recordAlerting([order("A", "1.00")], shaSeed: 2, minute: 20)
        for snapshot in [sameBytes, newBytes] {
            #expect(snapshot.diff?.isEmpty == true)
            #expect(try fixture.ledger.changes(in: snapshot.record.id) == [])
        }
    }

    @Test func snapshotAlertsAndOutboxCommitTogetherOrNotAtAll() async throws {
        struct Refused: Error {}
        let fixture = try SQLiteFixture()
        try fixture.recordAlerting([order("A", "1.00")], shaSeed: 1, minute: 0)
        #expect(throws: Refused.self) {
            try fixture.recordAlerting([order("A", "2.00")], shaSeed: 2, minute: 10) { _ in throw Refused() }
        }
        #expect(try fixture.ledger.counts().snapshots == 1)
        await #expect(try fixture.ledger.deliveries().isEmpty)

        let recorded = try fixture.recordAlerting([order("A", "2.00")], shaSeed: 3, minute: 20) { firingPlan($0) }
        #expect(recorded.queued == 1)
        let alerts = try fixture.ledger.alerts(status: .firing)
        #expect(alerts.map(\.state.identity.rule) == ["grew"])
        #expect(alerts.first?.lastNotification?.messageID == "msg_grew_\(recorded.record.id.rawValue)")
        let queued = try await fixture.ledger.dueDeliveries(now: 1_000, limit: 10)
        #expect(queued.map(\.target) == ["ops"])
        var expected = notification(snapshotID: recorded.record.id)
        expected.chainHead = try fixture.ledger.chainHead()  // queued with the head as of its snapshot
        #expect(expected.chainHead?.snapshotID == recorded.record.id.rawValue)
        #expect(queued.first?.notification == expected)
    }

    /// The diff comes from the interval writer's one walk over the open intervals; it
    /// must say what comparing both whole order sets says, generation after generation.
    @Test func mergeBuiltDiffEqualsTheDiffOfBothOrderSets() async throws {
        let fixture = try SQLiteFixture()
        var generator = SystemRandomNumberGenerator()
        var current = (0..<300).map { order(String(format: "O%04d", $0), "\($0).\($0 % 7)") }
        var previous: [UnpaidOrder]?
        for generation in 0..<6 {
            let recorded = try fixture.recordAlerting(current.shuffled(using: &generator), shaSeed: generation + 1,
                                                      minute: generation * 10)
            #expect(recorded.diff == previous.map { SnapshotDiff(previous: $0, current: current) }, "generation \(generation)")
            #expect(try fixture.ledger.orders(at: recorded.record.id) == current.byOrderNo)
            previous = current
            var next: [UnpaidOrder] = []
            for (index, var order) in current.enumerated() {
                switch Int.random(in: 0..<12, using: &generator) {
                case 0: continue  // paid
                case 1: order.totalPrice += try Money("0.01")
                case 2: order.currency = order.currency == "USD" ? "CNY" : "USD"
                case 3: order.totalPrice = try Money(order.totalPrice.description + "0")  // same value, new text
                case 4: order.productCode = order.productCode == nil ? "uhost" : nil
                case 5: order.startTime = (order.startTime ?? 0) + 1
                default: break
                }
                next.append(order)
                if index % 25 == 0 { next.append(order.renumbered("N\(generation)-\(index)")) }
            }
            current = next
        }
    }

    @Test func outboxLifecycleAndDisabledTargets() async throws {
        let fixture = try SQLiteFixture()
        let recorded = try fixture.recordAlerting([order("A", "1.00")], shaSeed: 1, minute: 0) {
            firingPlan($0, targets: ["ops", "chat"])
        }
        let id = notification(snapshotID: recorded.record.id).messageID
        let ledger = fixture.ledger
        await #expect(try ledger.dueDeliveries(now: 999, limit: 10).isEmpty)
        try ledger.markRetry(messageID: id, target: "ops", attempts: 1, nextAttemptAt: 1_005, lastError: "HTTP 503")
        await #expect(try ledger.dueDeliveries(now: 1_000, limit: 10).map(\.target) == ["chat"])
        await #expect(try ledger.nextDeliveryDue() == 1_000)
        try ledger.markDelivered(messageID: id, target: "ops", attempts: 2, at: 1_005)
        // A finished row stays finished, whatever a late second deliverer says.
        try ledger.markDead(messageID: id, target: "ops", attempts: 3, reason: "late", at: 1_006)
        try ledger.disableTarget("chat", reason: "HTTP 410 Gone", at: 1_001)
        await #expect(try ledger.dueDeliveries(now: 2_000, limit: 10).isEmpty)
        await #expect(try ledger.nextDeliveryDue() == nil)
        #expect(try ledger.disabledTargets().map(\.reason) == ["HTTP 410 Gone"])
        let rows = try await ledger.deliveries()
        let ops = try #require(rows.first { $0.target == "ops" })
        #expect(ops.status == .delivered && ops.attempts == 2 && ops.finishedAt == 1_005 && ops.lastError == "HTTP 503")
        #expect(rows.first { $0.target == "chat" }?.status == .pending)
        #expect(try ledger.enableTarget("chat"))
        try ledger.markDead(messageID: id, target: "chat", attempts: 4, reason: "too old", at: 9_000)
        await #expect(try ledger.deliveries(status: .dead).map(\.lastError) == ["too old"])
    }

    @Test func requeuingTheSameMessageKeepsOneRow() async throws {
        let fixture = try SQLiteFixture()
        let first = try fixture.recordAlerting([order("A", "1.00")], shaSeed: 1, minute: 0) { firingPlan($0) }
        #expect(first.queued == 1)
        // A later transaction planning the very same message (a re-evaluation after a
        // restart) adds no row.
        let again = try fixture.recordAlerting([order("A", "1.00")], shaSeed: 2, minute: 10) { input in
            var plan = firingPlan(input)
            plan.states = []
            plan.deliveries = [PlannedDelivery(notification: notification(snapshotID: first.record.id), target: "ops")]
            return plan
        }
        #expect(again.queued == 0)
        await #expect(try fixture.ledger.deliveries().count == 1)
    }

    @Test func schemaRefusesBrokenInvariants() async throws {
        let fixture = try SQLiteFixture()
        let recorded = try fixture.recordAlerting([order("A", "1.00")], shaSeed: 1, minute: 0) { firingPlan($0) }
        let snapshot = recorded.record.id.rawValue
        let refused = [
            "UPDATE outbox SET status = 'delivered'",  // delivered needs attempts and a finish time
            "UPDATE outbox SET status = 'dead', finished_at = 2000",  // dead needs a reason
            "UPDATE outbox SET status = 'sent'",
            "DELETE FROM outbox",
            "UPDATE alert_state SET status = 'resolved'",  // resolved needs resolved_at
            "UPDATE snapshot_diff SET changed_currencies = 3",
            "INSERT INTO snapshot_change_order VALUES (\(snapshot), 'USD', 'X', 'new', '1', '2')",
        ]
        for sql in refused {
            #expect(throws: DatabaseError.self, "\(sql)") { try fixture.ledger.pool.write { try $0.execute(sql: sql) } }
        }
        try fixture.ledger.markDelivered(messageID: "msg_grew_\(snapshot)", target: "ops", attempts: 1, at: 1_001)
        #expect(throws: DatabaseError.self) {
            try fixture.ledger.pool.write { try $0.execute(sql: "UPDATE outbox SET status = 'pending', finished_at = NULL") }
        }
    }
}

private extension UnpaidOrder {
    func renumbered(_ orderNo: String) -> UnpaidOrder {
        var copy = self
        copy.orderNo = orderNo
        return copy
    }
}
