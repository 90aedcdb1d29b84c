import Testing
import UnpaidCore

func answer(_ count: Int64, _ amount: String, id: String? = nil) -> AmountReading {
    .answered(AmountAnswer(count: count, amount: try! Money(amount), requestID: id))
}

func export(_ count: Int64, _ totals: [String: String]) -> ExportFigures {
    ExportFigures(count: count, totals: totals.mapValues { try! Money($0) })
}

let refused = AmountReading.unavailable(AmountUnavailable(reason: "GetOrderAmount: unknown action", actionRefused: true))

@Suite struct ReconcilerTests {
    @Test func anExportEqualToBothAnswersReconcilesAndDecimalsCompareByValue() {
        let outcome = Reconciler.reconcile(export(3, ["CNY": "12.500000"]), before: answer(3, "12.5"), after: answer(3, "12.50"))
        #expect(outcome.status == .reconciled && outcome.reason == nil)
        #expect(outcome.exportCount == 3 && outcome.exportAmount == (try! Money("12.5")))
    }

    @Test func anExportEqualToEitherAnswerReconciles() {
        let figures = export(3, ["CNY": "12.5"])
        #expect(Reconciler.reconcile(figures, before: answer(3, "12.5"), after: answer(4, "20")).status == .reconciled)
        #expect(Reconciler.reconcile(figures, before: answer(2, "1"), after: answer(3, "12.5")).status == .reconciled)
    }

    @Test func answersThatMovedAndMatchNeitherAskForOneRefetch() {
        let figures = export(4, ["CNY": "13"])
        let first = Reconciler.reconcile(figures, before: answer(3, "12"), after: answer(5, "14"))
        #expect(first.status == .movedDuringFetch && Reconciler.shouldRefetch(first))
        let second = Reconciler.reconcile(figures, before: answer(3, "12"), after: answer(5, "14"), refetched: true)
        #expect(second.status == .movedDuringFetch && !Reconciler.shouldRefetch(second))
    }

    @Test func equalAnswersThatDisagreeWithTheExportAreAMismatchNamingBothFigures() async throws {
        let outcome = Reconciler.reconcile(export(3, ["USD": "10"]), before: answer(4, "11"), after: answer(4, "11"))
        #expect(outcome.status == .mismatch && !Reconciler.shouldRefetch(outcome))
        let reason = try #require(outcome.reason)
        #expect(reason.contains("export 3 orders, GetOrderAmount 4") && reason.contains("export total 10, GetOrderAmount 11"))
    }

    @Test func theAmountAloneDisagreeingIsAMismatch() {
        #expect(Reconciler.reconcile(export(3, ["USD": "10.01"]), before: answer(3, "10"), after: answer(3, "10")).status == .mismatch)
    }

    @Test func severalCurrenciesAreCheckedOnCountOnly() {
        let figures = export(5, ["CNY": "100", "USD": "7"])
        let agreeing = Reconciler.reconcile(figures, before: answer(5, "107"), after: answer(5, "999"))
        #expect(agreeing.status == .notComparable && agreeing.exportAmount == nil && agreeing.status.agrees)
        let counted = Reconciler.reconcile(figures, before: answer(6, "107"), after: answer(6, "107"))
        #expect(counted.status == .mismatch)
        #expect(counted.reason?.contains("amount not comparable (CNY, USD)") == true)
    }

    @Test func anEmptyExportComparesWithZero() {
        #expect(Reconciler.reconcile(export(0, [:]), before: answer(0, "0.00"), after: answer(0, "0")).status == .reconciled)
        #expect(Reconciler.reconcile(export(0, [:]), before: answer(1, "3"), after: answer(1, "3")).status == .mismatch)
    }

    @Test func noAnswerIsUnavailableWithTheReasonOnce() {
        let outcome = Reconciler.reconcile(export(1, ["CNY": "1"]), before: refused, after: refused)
        #expect(outcome.status == .unavailable && outcome.reason == "GetOrderAmount: unknown action")
        #expect(!outcome.status.agrees)
    }

    @Test func oneAnswerIsEnoughToCompare() {
        let failed = AmountReading.unavailable(AmountUnavailable(reason: "timeout"))
        #expect(Reconciler.reconcile(export(1, ["CNY": "1"]), before: failed, after: answer(1, "1")).status == .reconciled)
        #expect(Reconciler.reconcile(export(1, ["CNY": "1"]), before: answer(2, "1"), after: failed).status == .mismatch)
    }
}

@Suite struct RunReconciliationSummaryTests {
    private func outcome(_ figures: ExportFigures, _ reading: AmountReading) -> Reconciliation {
        Reconciler.reconcile(figures, before: reading, after: reading)
    }

    @Test func aRefusedActionIsCollectedOnceForTheRun() {
        let summary = RunReconciliationSummary.summarize([
            (1, outcome(export(1, ["CNY": "1"]), refused)), (2, outcome(export(2, ["CNY": "2"]), refused)),
        ])
        #expect(summary.actionRefused == [1, 2] && summary.refusalReason == "GetOrderAmount: unknown action")
        #expect(summary.alertable.isEmpty && summary.systematicMismatch == nil)
        #expect(summary.counts[.unavailable] == 2)
    }

    @Test func everyOrganizationMismatchingTheSameWayIsOneFindingNotAlerts() {
        let summary = RunReconciliationSummary.summarize([
            (1, outcome(export(3, ["CNY": "10"]), answer(4, "12"))),
            (2, outcome(export(7, ["CNY": "50"]), answer(9, "51"))),
            (3, outcome(export(1, ["USD": "5"]), refused)),
        ])
        #expect(summary.systematicMismatch == .init(count: -1, amount: -1))
        #expect(summary.alertable.isEmpty)
        #expect(summary.systematicMismatch?.description == "the export has fewer orders and a lower total")
    }

    @Test func mismatchesOfDifferentKindsOrBesideAgreementsAreAlertable() {
        let mixed = RunReconciliationSummary.summarize([
            (1, outcome(export(3, ["CNY": "10"]), answer(4, "12"))),
            (2, outcome(export(9, ["CNY": "50"]), answer(7, "49"))),
        ])
        #expect(mixed.systematicMismatch == nil && mixed.alertable == [1, 2])
        let beside = RunReconciliationSummary.summarize([
            (1, outcome(export(3, ["CNY": "10"]), answer(4, "12"))),
            (2, outcome(export(9, ["CNY": "50"]), answer(9, "50"))),
        ])
        #expect(beside.systematicMismatch == nil && beside.alertable == [1])
    }

    @Test func aSingleOrganizationsMismatchIsAlwaysAlertable() {
        let summary = RunReconciliationSummary.summarize([(1, outcome(export(3, ["CNY": "10"]), answer(4, "12")))])
        #expect(summary.systematicMismatch == nil && summary.alertable == [1])
    }
}
