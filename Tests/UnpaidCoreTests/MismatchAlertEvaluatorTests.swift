import Testing
import UnpaidCore

@Suite struct MismatchAlertEvaluatorTests {
    let mismatchRule = AlertRule(name: "sources", condition: .reconciliationMismatch, targets: ["ops"])
    let mismatch = Reconciler.reconcile(export(3, ["CNY": "10"]), before: answer(4, "12"), after: answer(4, "12"))
    let agreement = Reconciler.reconcile(export(4, ["CNY": "12"]), before: answer(4, "12"), after: answer(4, "12"))

    func evaluate(_ reconciliation: Reconciliation, snapshot: Int64, states: [AlertState], at now: Int64,
                  rules: [AlertRule]? = nil) -> AlertEvaluation {
        MismatchAlertEvaluator.evaluate(rules: rules ?? [mismatchRule], job: "daily", organizationID: 7,
                                        snapshotID: snapshot, reconciliation: reconciliation, states: states, now: now)
    }

    @Test func aMismatchFiresOnceWithBothFiguresAndResolvesWhenOneReconciles() async throws {
        let fired = evaluate(mismatch, snapshot: 1, states: [], at: t0)
        let notification = try #require(fired.notifications.first)
        #expect(fired.notifications.count == 1 && notification.kind == .firing)
        #expect(notification.identity == AlertIdentity(rule: "sources", job: "daily", organizationID: 7, currency: "all"))
        #expect(notification.reconciliation == mismatch && notification.after.count == 3)
        #expect(evaluate(mismatch, snapshot: 2, states: fired.states, at: t0 + hour).notifications.isEmpty)
        let resolved = evaluate(agreement, snapshot: 3, states: fired.states, at: t0 + day)
        #expect(resolved.notifications.map(\.kind) == [.resolved] && resolved.states.first?.status == .resolved)
        #expect(evaluate(agreement, snapshot: 4, states: resolved.states, at: t0 + 2 * day).notifications.isEmpty)
    }

    @Test func evaluatingTheSameSnapshotAgainNotifiesNothing() {
        let fired = evaluate(mismatch, snapshot: 5, states: [], at: t0)
        let again = evaluate(mismatch, snapshot: 5, states: fired.states, at: t0 + hour)
        #expect(again.notifications.isEmpty && again.states.isEmpty)
    }

    @Test func movedOrUnavailableChecksChangeNoAlert() {
        let fired = evaluate(mismatch, snapshot: 1, states: [], at: t0)
        let unavailable = Reconciler.reconcile(export(3, ["CNY": "10"]), before: refused, after: refused)
        let result = evaluate(unavailable, snapshot: 2, states: fired.states, at: t0 + day)
        #expect(result.states.isEmpty && result.notifications.isEmpty)
    }

    @Test func aRepeatIntervalRepeatsAStandingMismatch() {
        var rule = mismatchRule
        rule.repeatIntervalSeconds = day
        let fired = evaluate(mismatch, snapshot: 1, states: [], at: t0, rules: [rule])
        #expect(evaluate(mismatch, snapshot: 2, states: fired.states, at: t0 + hour, rules: [rule]).notifications.isEmpty)
        #expect(evaluate(mismatch, snapshot: 3, states: fired.states, at: t0 + day, rules: [rule])
            .notifications.map(\.kind) == [.repeat])
    }

    @Test func changeRulesIgnoreMismatchRulesAndTheOtherWayRound() {
        var harness = AlertHarness(mismatchRule)
        #expect(harness.snapshot([order("A", "10")], at: t0).isEmpty)
        #expect(harness.snapshot([order("A", "10"), order("B", "5")], at: t0 + day).isEmpty)
        let change = rule("grow", .change(.increase, minDelta: nil, minDeltaRatio: nil))
        #expect(evaluate(mismatch, snapshot: 1, states: [], at: t0, rules: [change]).notifications.isEmpty)
    }

    @Test func aMismatchRuleParsesFromOnAndRefusesChangeThresholdsAndCurrencies() async throws {
        let parsed = try AlertCondition(rule: "r", on: "mismatch", minDelta: nil, minDeltaRatio: nil, above: nil,
                                        resolveBelow: nil, unpaidOlderThanDays: nil)
        #expect(parsed == .reconciliationMismatch && parsed.summary == "on = mismatch")
        #expect(throws: AlertRuleError.self) {
            try AlertCondition(rule: "r", on: "mismatch", minDelta: "5", minDeltaRatio: nil, above: nil,
                               resolveBelow: nil, unpaidOlderThanDays: nil)
        }
        var rule = mismatchRule
        rule.currencies = ["CNY"]
        #expect(throws: AlertRuleError.self) { try rule.validate(knownTargets: ["ops"]) }
    }
}
