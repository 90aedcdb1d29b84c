import Testing
import UnpaidCore

/// Plays the ledger's part for the pipeline rules: the health of one job and
/// organization changes by hand, states are carried between evaluations.
struct PipelineHarness {
    var rules: [AlertRule]
    var health = SeriesHealth(job: "daily", organizationID: 1, watchedSince: t0)
    var configuredJobs: Set<String> = ["daily"]
    var states: [AlertIdentity: AlertState] = [:]

    init(_ rules: AlertRule...) { self.rules = rules }

    mutating func evaluate(at now: Int64, series: [SeriesHealth]? = nil) -> [AlertNotification] {
        let evaluation = PipelineAlertEvaluator.evaluate(rules: rules, series: series ?? [health],
                                                         configuredJobs: configuredJobs,
                                                         states: Array(states.values), now: now)
        for state in evaluation.states { states[state.identity] = state }
        return evaluation.notifications
    }

    mutating func succeed(at time: Int64, snapshot: Int64) {
        health.lastSuccessAt = time
        health.lastSuccessSnapshotID = snapshot
        health.consecutiveFailures = 0
        health.lastError = nil
    }

    mutating func fail(at time: Int64, _ error: String) {
        health.consecutiveFailures += 1
        health.lastFailureAt = time
        health.lastError = error
    }
}

@Suite struct PipelineAlertEvaluatorTests {
    let stale = rule("stale", .stale(afterSeconds: 26 * hour))
    let failing = rule("failing", .failing(afterFailures: 3))

    @Test func staleFiresOnceWhenNoSnapshotArrivesForTooLongAndResolvesWithTheNextSuccess() async throws {
        var h = PipelineHarness(stale)
        h.succeed(at: t0, snapshot: 7)
        #expect(h.evaluate(at: t0 + 26 * hour - 1).isEmpty)
        let fired = h.evaluate(at: t0 + 26 * hour)
        let n = try #require(fired.first)
        #expect(fired.count == 1 && n.kind == .firing)
        #expect(n.identity == AlertIdentity(rule: "stale", job: "daily", organizationID: 1, currency: nil))
        #expect(n.firingSince == t0 + 26 * hour && n.pipeline?.lastSuccessAt == t0 && n.snapshotID == 7)
        #expect(h.evaluate(at: t0 + 30 * hour).isEmpty, "still stale: notified once")
        h.succeed(at: t0 + 31 * hour, snapshot: 8)
        let resolved = h.evaluate(at: t0 + 31 * hour)
        #expect(resolved.map(\.kind) == [.resolved] && resolved.first?.firingSince == t0 + 26 * hour)
        #expect(h.states.values.first?.resolvedAt == t0 + 31 * hour)
        #expect(h.evaluate(at: t0 + 32 * hour).isEmpty)
    }

    @Test func theTimeTheDaemonWasDownCountsAndTheFiringStartsAtTheDeadline() async throws {
        var h = PipelineHarness(stale)
        h.succeed(at: t0, snapshot: 1)
        // Down from t0 + 1 h until t0 + 3 days: the first evaluation after start fires.
        let fired = h.evaluate(at: t0 + 3 * day)
        #expect(fired.map(\.kind) == [.firing])
        #expect(fired.first?.firingSince == t0 + 26 * hour, "stale since its deadline, not since the restart")
    }

    @Test func aSeriesThatNeverSucceededIsStaleCountingFromWhenItWasFirstWatched() {
        var h = PipelineHarness(stale)
        #expect(h.evaluate(at: t0 + 25 * hour).isEmpty)
        #expect(h.evaluate(at: t0 + 26 * hour).first?.pipeline?.lastSuccessAt == nil)
        #expect(h.states.values.first?.status == .firing)
    }

    @Test func failingFiresAtTheNthFailureInARowWithTheLastErrorAndResolvesOnSuccess() async throws {
        var h = PipelineHarness(failing)
        h.succeed(at: t0, snapshot: 1)
        h.fail(at: t0 + day, "fetch: RetCode 230")
        h.fail(at: t0 + 2 * day, "fetch: RetCode 230")
        #expect(h.evaluate(at: t0 + 2 * day).isEmpty)
        h.fail(at: t0 + 3 * day, "parse: not a workbook")
        let n = try #require(h.evaluate(at: t0 + 3 * day).first)
        #expect(n.kind == .firing && n.firingSince == t0 + 3 * day)
        #expect(n.pipeline?.consecutiveFailures == 3 && n.pipeline?.lastError == "parse: not a workbook")
        h.fail(at: t0 + 4 * day, "parse: not a workbook")
        #expect(h.evaluate(at: t0 + 4 * day).isEmpty, "a fourth failure is the same episode")
        h.succeed(at: t0 + 5 * day, snapshot: 2)
        #expect(h.evaluate(at: t0 + 5 * day).map(\.kind) == [.resolved])
    }

    @Test func evaluatingAgainGivesTheSameMessageIDsSoTheOutboxKeepsOne() {
        var first = PipelineHarness(stale, failing)
        first.fail(at: t0 + hour, "fetch: x")
        first.fail(at: t0 + 2 * hour, "fetch: x")
        first.fail(at: t0 + 3 * hour, "fetch: x")
        var second = first
        let a = first.evaluate(at: t0 + 27 * hour), b = second.evaluate(at: t0 + 28 * hour)
        #expect(a.count == 2 && a.map(\.messageID) == b.map(\.messageID))
    }

    @Test func repeatIntervalNotifiesAgainWhileStillFiring() {
        var h = PipelineHarness(rule("stale", .stale(afterSeconds: hour), repeatEvery: 4 * hour))
        #expect(h.evaluate(at: t0 + hour).map(\.kind) == [.firing])
        #expect(h.evaluate(at: t0 + 4 * hour).isEmpty)
        #expect(h.evaluate(at: t0 + 5 * hour).map(\.kind) == [.repeat])
        #expect(h.evaluate(at: t0 + 6 * hour).isEmpty)
    }

    @Test func changeRulesIgnoreThePipelineAndPipelineRulesIgnoreSnapshots() {
        let harness = AlertHarness(stale, failing)
        var h = harness
        #expect(h.snapshot([order("A", "10")], at: t0).isEmpty)
        var pipeline = PipelineHarness(rule("cap", .ceiling(above: .zero, resolveAtOrBelow: nil)))
        #expect(pipeline.evaluate(at: t0 + 100 * day).isEmpty)
    }

    @Test func alertsOfARemovedRuleOrJobResolveSilentlyButOtherJobsAreLeftAlone() {
        var h = PipelineHarness(stale)
        h.configuredJobs = ["daily", "monthly"]
        let monthly = SeriesHealth(job: "monthly", organizationID: 1, watchedSince: t0)
        #expect(h.evaluate(at: t0 + 2 * day, series: [h.health, monthly]).count == 2)
        // A run of the daily job evaluates only the daily job: monthly's alert stays.
        h.succeed(at: t0 + 3 * day, snapshot: 3)
        #expect(h.evaluate(at: t0 + 3 * day).count == 1)
        #expect(h.states.values.filter { $0.status == .firing }.map(\.identity.job) == ["monthly"])
        h.configuredJobs = ["daily"]
        #expect(h.evaluate(at: t0 + 4 * day).isEmpty, "no notification: nothing routes it any more")
        #expect(h.states.values.allSatisfy { $0.status == .resolved })
        h.rules = []
        h.health.lastSuccessAt = nil
        #expect(h.evaluate(at: t0 + 10 * day).isEmpty)
    }

    @Test func theNextDeadlineIsTheEarliestMomentAFreshSeriesTurnsStale() {
        let rules = [rule("slow", .stale(afterSeconds: 26 * hour)), rule("fast", .stale(afterSeconds: hour), jobs: ["hourly"])]
        let daily = SeriesHealth(job: "daily", organizationID: 1, watchedSince: t0, lastSuccessAt: t0 + 10)
        let hourly = SeriesHealth(job: "hourly", organizationID: 1, watchedSince: t0, lastSuccessAt: t0 + 20)
        #expect(PipelineAlertEvaluator.nextStaleDeadline(rules: rules, series: [daily, hourly], after: t0 + 30) == t0 + 20 + hour)
        #expect(PipelineAlertEvaluator.nextStaleDeadline(rules: rules, series: [daily, hourly], after: t0 + 2 * hour)
            == t0 + 10 + 26 * hour, "a series already stale has no deadline ahead")
        #expect(PipelineAlertEvaluator.nextStaleDeadline(rules: [failing], series: [daily], after: t0) == nil)
    }

    @Test func conditionsParseFromTheirKeysAndRefuseMixtures() async throws {
        #expect(try AlertCondition(rule: "r", on: "stale", minDelta: nil, minDeltaRatio: nil, above: nil, resolveBelow: nil,
                                   unpaidOlderThanDays: nil, after: 93_600) == .stale(afterSeconds: 93_600))
        #expect(try AlertCondition(rule: "r", on: "failing", minDelta: nil, minDeltaRatio: nil, above: nil, resolveBelow: nil,
                                   unpaidOlderThanDays: nil) == .failing(afterFailures: 3))
        #expect(throws: AlertRuleError(rule: "r", field: "after", problem: "is required with on = \"stale\": how long without a successful snapshot, e.g. \"26h\"")) {
            try AlertCondition(rule: "r", on: "stale", minDelta: nil, minDeltaRatio: nil, above: nil, resolveBelow: nil,
                               unpaidOlderThanDays: nil)
        }
        #expect(throws: AlertRuleError.self) {
            try AlertCondition(rule: "r", on: "failing", minDelta: "5", minDeltaRatio: nil, above: nil, resolveBelow: nil,
                               unpaidOlderThanDays: nil)
        }
        #expect(throws: AlertRuleError.self) {
            try AlertCondition(rule: "r", on: "increase", minDelta: nil, minDeltaRatio: nil, above: nil, resolveBelow: nil,
                               unpaidOlderThanDays: nil, afterFailures: 2)
        }
        #expect(throws: AlertRuleError.self) {
            try rule("r", .stale(afterSeconds: hour), currencies: ["USD"]).validate(knownTargets: ["ops"])
        }
        #expect(AlertCondition.stale(afterSeconds: 26 * hour).summary == "on = stale, after = 26h")
        #expect(AlertCondition.durationText(5400) == "1h30m" && AlertCondition.durationText(3 * day) == "3d")
    }
}
