import Foundation
import Testing
import UnpaidCore
import Ledger
import LedgerTestSupport

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
    @Test(arguments: LedgerBackend.allCases)
    func changeIsRecordedExactlyWithOrderNumbers(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let first = try await fixture.recordAlerting(
                [order("A", "10.10"), order("B", "0.20"), order("E", "5", currency: "CNY")], shaSeed: 1, minute: 0)
            #expect(first.diff == nil && first.previousSnapshotID == nil)
            #expect(try await fixture.ledger.changes(in: first.record.id) == nil)

            var seen: AlertingInput?
            let second = try await fixture.recordAlerting(
                [order("A", "10.10"), order("B", "0.30"), order("C", "1000000000000.000001"), order("E", "5", currency: "CNY")],
                shaSeed: 2, minute: 10) { input in
                    seen = input
                    return .nothing(at: 0)
                }
            #expect(seen?.previousSnapshotID == first.record.id)
            #expect(seen?.diff == second.diff)
            let rows = try await fixture.ledger.changeRows(in: second.record.id)
            #expect(rows.count == 1, "CNY did not move")
            let usd = try #require(rows.first)
            #expect(usd.currency == "USD")
            #expect((usd.beforeCount, usd.afterCount) == (2, 3))
            #expect((usd.beforeSum, usd.afterSum) == ("10.30", "1000000000010.400001"))
            #expect(usd.delta == "1000000000000.100001")
            #expect(usd.newOrderNumbers == ["C"] && usd.goneOrderNumbers == [] && usd.changedOrderNumbers == ["B"])
            let stored = try #require(try await fixture.ledger.changes(in: second.record.id))
            #expect(stored.map(\.change) == second.diff?.currencies)
            #expect(stored.first?.previousSnapshotID == first.record.id)

            let third = try await fixture.recordAlerting([order("A", "10.10"), order("E", "5", currency: "CNY")],
                                                         shaSeed: 3, minute: 20)
            let gone = try #require(try await fixture.ledger.changeRows(in: third.record.id).first)
            #expect(gone.goneOrderNumbers == ["B", "C"] && gone.delta == "-1000000000000.300001")
        }
    }

    @Test(arguments: LedgerBackend.allCases)
    func unchangedSnapshotIsComparedAndEmpty(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            try await fixture.recordAlerting([order("A", "1.00")], shaSeed: 1, minute: 0)
            let sameBytes = try await fixture.recordAlerting([order("A", "1.00")], shaSeed: 1, minute: 10)
            let newBytes = try await fixture.recordAlerting([order("A", "1.00")], shaSeed: 2, minute: 20)
            for snapshot in [sameBytes, newBytes] {
                #expect(snapshot.diff?.isEmpty == true)
                #expect(try await fixture.ledger.changes(in: snapshot.record.id) == [])
            }
        }
    }

    @Test(arguments: LedgerBackend.allCases)
    func snapshotAlertsAndOutboxCommitTogetherOrNotAtAll(_ backend: LedgerBackend) async throws {
        struct Refused: Error {}
        try await LedgerFixture.with(backend) { fixture in
            try await fixture.recordAlerting([order("A", "1.00")], shaSeed: 1, minute: 0)
            let before = try await fixture.rowCountsBehindTheLedger()
            let run = try await fixture.ledger.startRun(job: "monthly", startedAt: LedgerFixture.base)
            await #expect(throws: Refused.self) {
                try await fixture.ledger.recordSnapshot(fixture.snapshot(run: run, shaSeed: 2, at: LedgerFixture.base),
                                                        orders: [order("A", "2.00")]) { _ in throw Refused() }
            }
            try await fixture.ledger.finishRun(run, status: .failed, error: "refused", finishedAt: LedgerFixture.base)
            var after = try await fixture.rowCountsBehindTheLedger()
            after["run"]? -= 1
            #expect(after == before, "nothing but the run was written")
            #expect(try await fixture.ledger.counts().snapshots == 1)
            #expect(try await fixture.ledger.deliveries().isEmpty)

            let recorded = try await fixture.recordAlerting([order("A", "2.00")], shaSeed: 3, minute: 20) { firingPlan($0) }
            #expect(recorded.queued == 1)
            let alerts = try await fixture.ledger.alerts(status: .firing)
            #expect(alerts.map(\.state.identity.rule) == ["grew"])
            #expect(alerts.first?.lastNotification?.messageID == "msg_grew_\(recorded.record.id.rawValue)")
            let queued = try await fixture.ledger.dueDeliveries(now: 1_000, limit: 10)
            #expect(queued.map(\.target) == ["ops"])
            var expected = notification(snapshotID: recorded.record.id)
            expected.chainHead = try await fixture.ledger.chainHead()  // queued with the head as of its snapshot
            #expect(expected.chainHead?.snapshotID == recorded.record.id.rawValue)
            #expect(queued.first?.notification == expected)
        }
    }

    /// The diff comes from the interval writer's one walk over the open intervals; it
    /// must say what comparing both whole order sets says, generation after generation.
    @Test(arguments: LedgerBackend.allCases)
    func mergeBuiltDiffEqualsTheDiffOfBothOrderSets(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            var generator = SystemRandomNumberGenerator()
            var current = (0..<300).map { order(String(format: "O%04d", $0), "\($0).\($0 % 7)") }
            var previous: [UnpaidOrder]?
            for generation in 0..<6 {
                let recorded = try await fixture.recordAlerting(current.shuffled(using: &generator), shaSeed: generation + 1,
                                                                minute: generation * 10)
                #expect(recorded.diff == previous.map { SnapshotDiff(previous: $0, current: current) },
                        "generation \(generation)")
                #expect(try await fixture.ledger.orders(at: recorded.record.id) == current.byOrderNo)
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
    }

    @Test(arguments: LedgerBackend.allCases)
    func outboxLifecycleAndDisabledTargets(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let recorded = try await fixture.recordAlerting([order("A", "1.00")], shaSeed: 1, minute: 0) {
                firingPlan($0, targets: ["ops", "chat"])
            }
            let id = notification(snapshotID: recorded.record.id).messageID
            let ledger = fixture.ledger
            #expect(try await ledger.dueDeliveries(now: 999, limit: 10).isEmpty)
            try await ledger.markRetry(messageID: id, target: "ops", attempts: 1, nextAttemptAt: 1_005, lastError: "HTTP 503")
            #expect(try await ledger.dueDeliveries(now: 1_000, limit: 10).map(\.target) == ["chat"])
            #expect(try await ledger.nextDeliveryDue() == 1_000)
            try await ledger.markDelivered(messageID: id, target: "ops", attempts: 2, at: 1_005)
            // A finished row stays finished, whatever a late second deliverer says.
            try await ledger.markDead(messageID: id, target: "ops", attempts: 3, reason: "late", at: 1_006)
            try await ledger.disableTarget("chat", reason: "HTTP 410 Gone", at: 1_001)
            #expect(try await ledger.dueDeliveries(now: 2_000, limit: 10).isEmpty)
            #expect(try await ledger.nextDeliveryDue() == nil)
            #expect(try await ledger.disabledTargets().map(\.reason) == ["HTTP 410 Gone"])
            let rows = try await ledger.deliveries()
            let ops = try #require(rows.first { $0.target == "ops" })
            #expect(ops.status == .delivered && ops.attempts == 2 && ops.finishedAt == 1_005 && ops.lastError == "HTTP 503")
            #expect(rows.first { $0.target == "chat" }?.status == .pending)
            #expect(try await ledger.enableTarget("chat"))
            try await ledger.markDead(messageID: id, target: "chat", attempts: 4, reason: "too old", at: 9_000)
            #expect(try await ledger.deliveries(status: .dead).map(\.lastError) == ["too old"])
        }
    }

    @Test(arguments: LedgerBackend.allCases)
    func requeuingTheSameMessageKeepsOneRow(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let first = try await fixture.recordAlerting([order("A", "1.00")], shaSeed: 1, minute: 0) { firingPlan($0) }
            #expect(first.queued == 1)
            // A later transaction planning the very same message (a re-evaluation after a
            // restart) adds no row.
            let again = try await fixture.recordAlerting([order("A", "1.00")], shaSeed: 2, minute: 10) { input in
                var plan = firingPlan(input)
                plan.states = []
                plan.deliveries = [PlannedDelivery(notification: notification(snapshotID: first.record.id), target: "ops")]
                return plan
            }
            #expect(again.queued == 0)
            #expect(try await fixture.ledger.deliveries().count == 1)
        }
    }

    @Test(arguments: LedgerBackend.allCases)
    func schemaRefusesBrokenInvariants(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let recorded = try await fixture.recordAlerting([order("A", "1.00")], shaSeed: 1, minute: 0) { firingPlan($0) }
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
                await #expect(throws: SchemaRefusal.self, "\(sql)") { try await fixture.executeBehindTheLedger(sql) }
            }
            try await fixture.ledger.markDelivered(messageID: "msg_grew_\(snapshot)", target: "ops", attempts: 1, at: 1_001)
            await #expect(throws: SchemaRefusal.self) {
                try await fixture.executeBehindTheLedger("UPDATE outbox SET status = 'pending', finished_at = NULL")
            }
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
