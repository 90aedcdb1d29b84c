import Foundation
import Testing
import UnpaidCore

/// Plays the daemon's part: snapshots in sequence, states carried between them.
struct AlertHarness {
    var rules: [AlertRule]
    var job = "daily"
    var organizationID: Int64 = 1
    var previous: [UnpaidOrder]?
    var snapshotID: Int64 = 0
    var states: [AlertIdentity: AlertState] = [:]
    var lastFacts: SnapshotFacts?

    init(_ rules: AlertRule...) { self.rules = rules }

    func facts(_ orders: [UnpaidOrder]) -> SnapshotFacts {
        SnapshotFacts(job: job, organizationID: organizationID, snapshotID: snapshotID,
                      diff: previous.map { SnapshotDiff(previous: $0, current: orders) },
                      orders: try! PackedOrders(organizationID: organizationID,
                                                orders.filter { $0.organizationID == organizationID }))
    }

    /// A new snapshot: evaluated, states stored, returns what would be sent.
    mutating func snapshot(_ orders: [UnpaidOrder], at now: Int64) -> [AlertNotification] {
        snapshotID += 1
        lastFacts = facts(orders)
        let evaluation = AlertEvaluator.evaluate(rules: rules, facts: lastFacts!, states: Array(states.values), now: now)
        for state in evaluation.states { states[state.identity] = state }
        previous = orders
        return evaluation.notifications
    }

    /// The last snapshot evaluated again, as after a restart.
    func reevaluateLast(at now: Int64) -> AlertEvaluation {
        AlertEvaluator.evaluate(rules: rules, facts: lastFacts!, states: Array(states.values), now: now)
    }
}

func rule(_ name: String, _ condition: AlertCondition, repeatEvery: Int64? = nil,
          currencies: [String] = [], jobs: [String] = [], organizations: [Int64] = []) -> AlertRule {
    AlertRule(name: name, jobs: jobs, organizations: organizations, currencies: currencies,
              condition: condition, repeatIntervalSeconds: repeatEvery, targets: ["ops"])
}

let hour: Int64 = 3600, day: Int64 = 86_400, t0: Int64 = 1_800_000_000

@Suite struct AlertEvaluatorTests {
    @Test func increaseFiresOnceThenResolvesWhenTheTotalStops() async throws {
        var h = AlertHarness(rule("grow", .change(.increase, minDelta: nil, minDeltaRatio: nil)))
        #expect(h.snapshot([order("A", "10")], at: t0).isEmpty)  // nothing to compare with yet
        let fired = h.snapshot([order("A", "10"), order("B", "5"), order("C", "1")], at: t0 + day)
        let n = try #require(fired.first)
        #expect(fired.count == 1 && n.kind == .firing)
        #expect(n.identity == AlertIdentity(rule: "grow", job: "daily", organizationID: 1, currency: "USD"))
        #expect(n.delta == (try Money("6")) && n.relativeDelta == 0.6)
        #expect(n.newOrderCount == 2 && n.goneOrderCount == 0)
        #expect(n.highlightedOrders.map(\.orderNo) == ["B", "C"])
        #expect(n.before?.count == 1 && n.after.count == 3 && n.targets == ["ops"])

        let resolved = h.snapshot([order("A", "10"), order("B", "5"), order("C", "1")], at: t0 + 2 * day)
        #expect(resolved.map(\.kind) == [.resolved])
        #expect(resolved.first?.firingSince == t0 + day)
        #expect(h.snapshot([order("A", "10"), order("B", "5"), order("C", "1")], at: t0 + 3 * day).isEmpty)
    }

    @Test func reevaluatingASnapshotNeverNotifiesTwice() {
        var h = AlertHarness(rule("grow", .change(.anyChange, minDelta: nil, minDeltaRatio: nil)),
                             rule("cap", .ceiling(above: try! Money("5"), resolveAtOrBelow: nil)))
        _ = h.snapshot([order("A", "1")], at: t0)
        let orders = [order("A", "1"), order("B", "9")]
        let first = h.snapshot(orders, at: t0 + hour)
        #expect(first.count == 2)
        // Same snapshot id, later clock: the states remember it, so nothing new.
        let again = h.reevaluateLast(at: t0 + 2 * hour)
        #expect(again.notifications.isEmpty && again.states.isEmpty)
        // Lost states (crash before they were stored): the ids repeat, so an outbox keyed by id dedupes.
        var lost = h
        lost.states = [:]
        lost.snapshotID -= 1
        lost.previous = [order("A", "1")]
        #expect(lost.snapshot(orders, at: t0 + 3 * hour).map(\.messageID) == first.map(\.messageID))
    }

    @Test func thresholdsOnTheSizeOfTheChange() {
        var h = AlertHarness(rule("big", .change(.anyChange, minDelta: try! Money("100"), minDeltaRatio: 0.1)))
        _ = h.snapshot([order("A", "2000")], at: t0)
        #expect(h.snapshot([order("A", "2000"), order("B", "150")], at: t0 + 1).isEmpty)  // 7.5% < 10%
        #expect(h.snapshot([order("A", "2000"), order("B", "150"), order("C", "99")], at: t0 + 2).isEmpty)  // < 100
        #expect(h.snapshot([order("B", "150"), order("C", "99")], at: t0 + 3).map(\.kind) == [.firing])  // -2000
    }

    @Test func decreaseHighlightsThePaidOrders() async throws {
        var h = AlertHarness(rule("paid", .change(.decrease, minDelta: nil, minDeltaRatio: nil)))
        _ = h.snapshot([order("A", "10"), order("B", "20"), order("C", "1")], at: t0)
        #expect(h.snapshot([order("A", "10"), order("B", "20"), order("C", "1"), order("D", "1")], at: t0 + 1).isEmpty)
        let n = try #require(h.snapshot([order("A", "10"), order("D", "1")], at: t0 + 2).first)
        #expect(n.goneOrderCount == 2 && n.highlightedOrders.map(\.orderNo) == ["B", "C"])
    }

    @Test func eachFurtherMatchingChangeIsItsOwnNotification() {
        var h = AlertHarness(rule("grow", .change(.increase, minDelta: nil, minDeltaRatio: nil)))
        _ = h.snapshot([order("A", "1")], at: t0)
        let first = h.snapshot([order("A", "2")], at: t0 + 1)
        let second = h.snapshot([order("A", "3")], at: t0 + 2)
        #expect(first.map(\.kind) == [.firing] && second.map(\.kind) == [.firing])
        #expect(first.first?.messageID != second.first?.messageID)
        #expect(second.first?.firingSince == t0 + 1)
    }

    @Test func ceilingHasHysteresisAndRepeats() {
        var h = AlertHarness(rule("cap", .ceiling(above: try! Money("100"), resolveAtOrBelow: try! Money("80")),
                                  repeatEvery: 4 * hour))
        #expect(h.snapshot([order("A", "100")], at: t0).isEmpty)  // at the ceiling is not above it
        #expect(h.snapshot([order("A", "100.01")], at: t0 + hour).map(\.kind) == [.firing])
        #expect(h.snapshot([order("A", "90")], at: t0 + 2 * hour).isEmpty)  // in the band: still firing
        #expect(h.snapshot([order("A", "90")], at: t0 + 5 * hour).map(\.kind) == [.repeat])
        #expect(h.snapshot([order("A", "120")], at: t0 + 6 * hour).isEmpty)  // 1 h since the repeat
        #expect(h.snapshot([order("A", "80")], at: t0 + 7 * hour).map(\.kind) == [.resolved])
        #expect(h.snapshot([order("A", "90")], at: t0 + 8 * hour).isEmpty)  // in the band, not firing
        #expect(h.snapshot([order("A", "101")], at: t0 + 9 * hour).map(\.kind) == [.firing])
    }

    @Test func ceilingResolvesWhenTheCurrencyIsAllPaid() {
        var h = AlertHarness(rule("cap", .ceiling(above: try! Money("5"), resolveAtOrBelow: nil)))
        #expect(h.snapshot([order("A", "9", currency: "EUR")], at: t0).map(\.kind) == [.firing])
        let resolved = h.snapshot([], at: t0 + 1)
        #expect(resolved.map(\.kind) == [.resolved] && resolved.first?.after == Total())
    }

    @Test func unpaidOlderThanWatchesBillingStarts() async throws {
        var h = AlertHarness(rule("old", .unpaidOlderThan(days: 30)))
        let recent = order("R", "5", start: t0 - 10 * day)
        let undated = order("U", "500")
        #expect(h.snapshot([recent, undated], at: t0).isEmpty)
        let fired = h.snapshot([recent, undated, order("O", "7", start: t0 - 31 * day)], at: t0 + 1)
        #expect(fired.map(\.kind) == [.firing])
        #expect(try #require(fired.first).highlightedOrders.map(\.orderNo) == ["O"])
        // The recent order ages past 30 days too: the alert is already firing, no repeat set.
        #expect(h.snapshot([recent, undated, order("O", "7", start: t0 - 31 * day)], at: t0 + 21 * day).isEmpty)
        #expect(h.snapshot([undated], at: t0 + 22 * day).map(\.kind) == [.resolved])
    }

    @Test func currenciesOfOneOrganizationAreSeparateAlerts() {
        var h = AlertHarness(rule("cap", .ceiling(above: try! Money("100"), resolveAtOrBelow: nil)))
        let fired = h.snapshot([order("A", "150"), order("B", "150", currency: "CNY")], at: t0)
        #expect(fired.map(\.identity.currency) == ["CNY", "USD"])
        let next = h.snapshot([order("A", "150"), order("B", "10", currency: "CNY")], at: t0 + 1)
        #expect(next.map(\.identity.currency) == ["CNY"] && next.map(\.kind) == [.resolved])
    }

    @Test func rulesCoverOnlyTheirJobsOrganizationsAndCurrencies() {
        let cap = AlertCondition.ceiling(above: .zero, resolveAtOrBelow: nil)
        var h = AlertHarness(rule("other-job", cap, jobs: ["monthly"]), rule("other-org", cap, organizations: [2]),
                             rule("cny-only", cap, currencies: ["CNY"]), rule("mine", cap, jobs: ["daily"], organizations: [1]))
        let fired = h.snapshot([order("A", "1"), order("B", "1", currency: "CNY")], at: t0)
        #expect(fired.map(\.identity.rule) == ["cny-only", "mine", "mine"])
    }

    @Test func alertsOfARemovedOrNarrowedRuleResolveSilently() async throws {
        let cap = AlertCondition.ceiling(above: try Money("100"), resolveAtOrBelow: nil)
        var h = AlertHarness(rule("cap", cap), rule("gone", cap))
        let orders = [order("A", "150"), order("B", "150", currency: "CNY")]
        #expect(h.snapshot(orders, at: t0).count == 4)
        h.rules = [rule("cap", cap, currencies: ["USD"])]  // "gone" removed, "cap" narrowed to USD
        #expect(h.snapshot(orders, at: t0 + hour).isEmpty, "no rule left to say where to send it")
        let states = Array(h.states.values)
        let statusByAlert = Dictionary(uniqueKeysWithValues: states.map {
            ("\($0.identity.rule)/\($0.identity.currency ?? "")", $0.status)
        })
        #expect(statusByAlert == ["cap/CNY": .resolved, "cap/USD": .firing, "gone/CNY": .resolved, "gone/USD": .resolved])
        #expect(states.filter { $0.status == .resolved }.allSatisfy { $0.resolvedAt == t0 + hour })
        #expect(h.reevaluateLast(at: t0 + 2 * hour).states.isEmpty, "resolving is done once")
    }

    @Test func messageIDsAreDeterministicAndDistinct() {
        var a = AlertHarness(rule("cap", .ceiling(above: .zero, resolveAtOrBelow: nil)))
        var b = a
        let fromA = a.snapshot([order("A", "1")], at: t0), fromB = b.snapshot([order("A", "1")], at: t0 + 99)
        #expect(fromA.map(\.messageID) == fromB.map(\.messageID))
        let resolved = a.snapshot([], at: t0 + 1)
        #expect(resolved.first?.messageID != fromA.first?.messageID)
        #expect(fromA.first?.messageID.hasPrefix("msg_") == true)
    }

    @Test func statesAndNotificationsRoundTripThroughJSON() async throws {
        var h = AlertHarness(rule("cap", .ceiling(above: .zero, resolveAtOrBelow: nil)))
        _ = h.snapshot([order("A", "1")], at: t0)
        let states = Array(h.states.values)
        #expect(try JSONDecoder().decode([AlertState].self, from: JSONEncoder().encode(states)) == states)
        let resolved = h.snapshot([], at: t0 + 1)  // the outbox stores notifications as JSON too
        #expect(try JSONDecoder().decode([AlertNotification].self, from: JSONEncoder().encode(resolved)) == resolved)
    }
}
