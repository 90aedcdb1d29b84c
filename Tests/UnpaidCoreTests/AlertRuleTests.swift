import Testing
import UnpaidCore

@Suite struct AlertRuleTests {
    let targets: Set<String> = ["ops", "finance"]

    func problem(_ rule: AlertRule) -> AlertRuleError? {
        do { try rule.validate(knownTargets: targets); return nil } catch { return error }
    }

    @Test func aWellFormedRulePasses() async throws {
        try AlertRule.validate([
            rule("grow", .change(.increase, minDelta: try Money("100"), minDeltaRatio: 0.1)),
            rule("cap", .ceiling(above: try Money("1000"), resolveAtOrBelow: try Money("900")), repeatEvery: 4 * hour),
            rule("old", .unpaidOlderThan(days: 45)),
        ], knownTargets: targets)
    }

    @Test func errorsNameTheRuleAndTheField() async throws {
        let cases: [(AlertRule, String)] = [
            (rule(" ", .unpaidOlderThan(days: 1)), "name"),
            (rule("r", .change(.increase, minDelta: try Money("-1"), minDeltaRatio: nil)), "min_delta"),
            (rule("r", .change(.increase, minDelta: nil, minDeltaRatio: -0.5)), "min_delta_ratio"),
            (rule("r", .change(.increase, minDelta: nil, minDeltaRatio: .nan)), "min_delta_ratio"),
            (rule("r", .change(.increase, minDelta: nil, minDeltaRatio: nil), repeatEvery: hour), "repeat_interval"),
            (rule("r", .ceiling(above: try Money("-1"), resolveAtOrBelow: nil)), "above"),
            (rule("r", .ceiling(above: try Money("10"), resolveAtOrBelow: try Money("11"))), "resolve_below"),
            (rule("r", .unpaidOlderThan(days: 0)), "unpaid_older_than"),
            (rule("r", .unpaidOlderThan(days: 3), repeatEvery: 5), "repeat_interval"),
        ]
        for (rule, field) in cases {
            let error = try #require(problem(rule), "\(field) accepted")
            #expect(error.field == field)
            #expect(error.description.hasPrefix("[[alert]] \"\(rule.name)\": \(field): "))
        }
    }

    @Test func targetsMustExist() async throws {
        var r = rule("r", .unpaidOlderThan(days: 3))
        r.targets = ["ops", "pager"]
        let error = try #require(problem(r))
        #expect(error.description == "[[alert]] \"r\": targets: no [[target]] named \"pager\" (defined: finance, ops)")
        r.targets = []
        #expect(problem(r)?.field == "targets")
    }

    @Test func namesAreUnique() {
        #expect(throws: AlertRuleError(rule: "r", field: "name", problem: "another [[alert]] has the same name")) {
            try AlertRule.validate([rule("r", .unpaidOlderThan(days: 3)), rule("r", .unpaidOlderThan(days: 4))],
                                   knownTargets: targets)
        }
    }

    @Test func directionsReadAsConfigured() {
        #expect(ChangeDirection(rawValue: "any-change") == .anyChange)
        #expect(ChangeDirection(rawValue: "increase") == .increase)
        #expect(ChangeDirection(rawValue: "up") == nil)
        #expect(AlertCondition.change(.decrease, minDelta: try! Money("5"), minDeltaRatio: nil).summary
            == "on = decrease, min_delta = 5")
    }
}

@Suite struct AlertConditionParsingTests {
    func parse(on: String? = nil, minDelta: String? = nil, ratio: Double? = nil, above: String? = nil,
               resolveBelow: String? = nil, days: Int? = nil) throws(AlertRuleError) -> AlertCondition {
        try AlertCondition(rule: "r", on: on, minDelta: minDelta, minDeltaRatio: ratio, above: above,
                           resolveBelow: resolveBelow, unpaidOlderThanDays: days)
    }

    func field(_ body: () throws(AlertRuleError) -> AlertCondition) -> String? {
        do { _ = try body(); return nil } catch { return error.field }
    }

    @Test func eachKindParses() async throws {
        #expect(try parse(on: "increase", minDelta: "100.5") == .change(.increase, minDelta: try Money("100.5"), minDeltaRatio: nil))
        #expect(try parse(ratio: 0.2) == .change(.anyChange, minDelta: nil, minDeltaRatio: 0.2))
        #expect(try parse(above: "5000", resolveBelow: "4500")
            == .ceiling(above: try Money("5000"), resolveAtOrBelow: try Money("4500")))
        #expect(try parse(days: 30) == .unpaidOlderThan(days: 30))
    }

    @Test func mistakesNameTheKey() {
        #expect(field { () throws(AlertRuleError) in try parse() } == "condition")
        #expect(field { () throws(AlertRuleError) in try parse(on: "increase", above: "1") } == "condition")
        #expect(field { () throws(AlertRuleError) in try parse(on: "up") } == "on")
        #expect(field { () throws(AlertRuleError) in try parse(on: "increase", minDelta: "1,000") } == "min_delta")
        #expect(field { () throws(AlertRuleError) in try parse(above: "lots") } == "above")
        #expect(field { () throws(AlertRuleError) in try parse(resolveBelow: "1", days: 3) } == "resolve_below")
    }
}
