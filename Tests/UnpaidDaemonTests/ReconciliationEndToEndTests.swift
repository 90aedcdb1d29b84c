import BillingSimulator
import Foundation
import Ledger
import Logging
import LoopbackTestSupport
import Testing
import UnpaidCore
@testable import UnpaidDaemon

/// Issue 14 against the simulator: every export is compared with GetOrderAmount, read
/// right before the export request and right after the download.
@Suite(.serialized) struct ReconciliationEndToEndTests {
    /// One organization at a time, so a fault armed for N calls lands on a known organization.
    func runner(_ cloud: SimulatedCloud, logs: LogRecorder = LogRecorder()) -> JobRunner {
        JobRunner(pipeline: cloud.runner.pipeline, maxConcurrentOrganizations: 1, logger: logs.logger)
    }

    func window(_ cloud: SimulatedCloud) -> BillingWindow { cloud.job.period.window(at: Date(), in: cloud.job.timeZone) }

    @Test func matchingSourcesReconcileEveryOrganization() async throws {
        let cloud = try await SimulatedCloud.start()
        defer { Task { await cloud.stop() } }
        let window = window(cloud)
        let summary = try await cloud.runner.run(cloud.job, window: window, organizations: cloud.job.organizations)
        #expect(summary.status == .succeeded, "\(summary.failures)")
        #expect(summary.snapshots.count == 4)
        for snapshot in summary.snapshots {
            let expected = await cloud.expected(snapshot.organizationID, window)
            let recorded = try #require(try cloud.ledger.reconciliation(of: snapshot.id))
            #expect(recorded == snapshot.reconciliation)
            // Several currencies: the API's one amount cannot be compared, the count is.
            #expect(recorded.status == (expected.count > 1 ? .notComparable : .reconciled), "\(recorded)")
            #expect(recorded.exportCount == Int64(expected.values.reduce(0) { $0 + $1.count }))
            #expect(recorded.before.answer?.count == recorded.exportCount && recorded.after.answer?.requestID != nil)
            #expect(!recorded.refetched)
        }
        #expect(await cloud.expected(100_002, window).count == 2, "100002 is billed in CNY and USD")
        let calls = await cloud.simulator.counters().apiCalls
        #expect(calls["GetOrderAmount"] == 8 && calls["DownloadListUnpaidOrders"] == 4)
        #expect(try cloud.ledger.history().allSatisfy { $0.reconciliation == .reconciled || $0.reconciliation == .notComparable })
    }

    @Test func aMultiCurrencyOrganizationIsStillCheckedOnCount() async throws {
        let cloud = try await SimulatedCloud.start()
        defer { Task { await cloud.stop() } }
        try await cloud.simulator.injectFault(.amountDisagree, count: 2)
        let summary = try await runner(cloud).run(cloud.job, window: window(cloud), organizations: [100_002])
        let outcome = try #require(summary.snapshots.first?.reconciliation)
        #expect(outcome.status == .mismatch && outcome.exportAmount == nil)
        #expect(outcome.reason?.contains("amount not comparable (CNY, USD)") == true)
    }

    @Test func aDisagreeingSourceIsAMismatchThatAlertsAndResolves() async throws {
        try await ScriptedReceiver.serving([.init(200)]) { url, receiver in
            let cloud = try await SimulatedCloud.start(extraConfig: """
                [[target]]
                name = "finance"
                format = "standard"
                url = "\(url)/hook"
                secret = "\(AlertBench.secret)"
                [[alert]]
                name = "sources-disagree"
                on = "mismatch"
                targets = ["finance"]
                """)
            defer { Task { await cloud.stop() } }
            var quiet = Logger(label: "e2e-reconcile")
            quiet.logLevel = .critical
            let delivery = AlertDelivery(settings: cloud.configuration.alerts, ledger: cloud.ledger, logger: quiet)
            let logs = LogRecorder()
            let organizations: [Int64] = [100_001, 100_003]

            // Both readings of the first organization disagree; the second agrees.
            try await cloud.simulator.injectFault(.amountDisagree, count: 2)
            let first = try await runner(cloud, logs: logs).run(cloud.job, window: window(cloud), organizations: organizations)
            #expect(first.status == .succeeded, "\(first.failures)")
            #expect(first.snapshots.map { $0.reconciliation?.status } == [.mismatch, .reconciled])
            #expect(logs.entries("export disagrees with GetOrderAmount").map { $0.metadata["org"] } == ["100001"])
            #expect(try await delivery.drain(timeout: .seconds(10)).delivered == 1)
            let fired = try #require(await receiver.received.first).data
            let exported = try #require(first.snapshots.first?.reconciliation)
            #expect(fired["organization_id"] as? Int == 100_001 && fired["currency"] as? String == "all")
            let figures = try #require(fired["reconciliation"] as? [String: Any])
            #expect(figures["export_count"] as? Int == Int(exported.exportCount))
            #expect(figures["api_count_after"] as? Int == Int(exported.exportCount) + 1)
            #expect(figures["api_amount_after"] as? String == (exported.exportAmount.map { $0 + Money(units: 1, scale: 0) })?.description)
            let message = try #require(fired["message"] as? String)
            #expect(message.contains("Export: \(exported.exportCount) orders") && message.contains("GetOrderAmount before: \(exported.exportCount + 1) orders"))

            // Agreement again resolves it, once.
            let second = try await runner(cloud).run(cloud.job, window: window(cloud), organizations: organizations)
            #expect(second.snapshots.map { $0.reconciliation?.status } == [.reconciled, .reconciled])
            #expect(try await delivery.drain(timeout: .seconds(10)).delivered == 1)
            #expect(await receiver.received.map { $0.json["type"] as? String } == ["unpaid.alert.firing", "unpaid.alert.resolved"])
            #expect(try cloud.ledger.alerts(status: .firing).isEmpty)
        }
    }

    @Test func everyOrganizationMismatchingAlikeIsLoggedOnceInsteadOfAlerted() async throws {
        let cloud = try await SimulatedCloud.start(extraConfig: """
            [[target]]
            name = "finance"
            format = "slack"
            url = "http://127.0.0.1:9/hook"
            [[alert]]
            name = "sources-disagree"
            on = "mismatch"
            targets = ["finance"]
            """)
        defer { Task { await cloud.stop() } }
        let logs = LogRecorder()
        try await cloud.simulator.injectFault(.amountDisagree, count: 4)
        let summary = try await runner(cloud, logs: logs).run(cloud.job, window: window(cloud),
                                                               organizations: [100_001, 100_003])
        #expect(summary.snapshots.allSatisfy { $0.reconciliation?.status == .mismatch })
        let finding = logs.all.filter { $0.message.contains("the two sources may count differently") }
        #expect(finding.count == 1 && finding.first?.metadata["pattern"] == "the export has fewer orders and a lower total")
        #expect(logs.entries("export disagrees with GetOrderAmount").isEmpty)
        #expect(try cloud.ledger.alerts(status: .firing).isEmpty)
    }

    @Test func aRefusedActionLeavesSnapshotsUnavailableAndIsLoggedOncePerRun() async throws {
        let cloud = try await SimulatedCloud.start()
        defer { Task { await cloud.stop() } }
        try await cloud.simulator.injectFault(.refuseAmount, count: 1_000)
        let logs = LogRecorder()
        let summary = try await JobRunner(pipeline: cloud.runner.pipeline, logger: logs.logger)
            .run(cloud.job, window: window(cloud), organizations: cloud.job.organizations)
        #expect(summary.status == .succeeded && summary.snapshots.count == 4, "\(summary.failures)")
        for snapshot in summary.snapshots {
            let recorded = try #require(try cloud.ledger.reconciliation(of: snapshot.id))
            #expect(recorded.status == .unavailable && recorded.reason?.contains("RetCode 161") == true)
        }
        // Match the RetCode as the refusal spells it: a bare "161" also occurs in
        // timestamps and request ids, which made this test fail by the clock.
        let said = logs.all.filter { entry in
            entry.message.contains("GetOrderAmount") || entry.metadata.values.contains { $0.contains("RetCode 161") }
        }
        #expect(said.map(\.message) == ["the billing API refused GetOrderAmount: exports are not reconciled"])
        #expect(said.first?.metadata["organizations"] == "4")
        // Refused before the export: not asked again after the download.
        #expect(await cloud.simulator.counters().apiCalls["GetOrderAmount"] == 4)
    }

    @Test func dataMovingDuringTheFetchIsFetchedOnceMore() async throws {
        let cloud = try await SimulatedCloud.start()
        defer { Task { await cloud.stop() } }
        let window = window(cloud)
        try await cloud.simulator.injectFault(.movesDuringExport, count: 1)
        let logs = LogRecorder()
        let pipeline = ExportPipeline(configuration: cloud.configuration, ledger: cloud.ledger,
                                      privateKey: SimulatedCloud.privateKey, logger: logs.logger)
        let moved = try await JobRunner(pipeline: pipeline, maxConcurrentOrganizations: 1, logger: logs.logger)
            .run(cloud.job, window: window, organizations: [100_003])
        let recorded = try #require(moved.snapshots.first)
        let outcome = try #require(recorded.reconciliation)
        #expect(outcome.status == .reconciled && outcome.refetched)
        #expect(recorded.totals == (await cloud.expected(100_003, window)))
        var calls = await cloud.simulator.counters().apiCalls
        #expect(calls["DownloadListUnpaidOrders"] == 2 && calls["GetOrderAmount"] == 4)

        // Both files are in the archive: the recorded one, and the first one set apart.
        let superseded = cloud.files(under: "archive/superseded")
        #expect(superseded.count == 1 && superseded.first?.hasPrefix("100003/\(window.label(in: cloud.job.timeZone))/") == true,
                "\(superseded)")
        #expect(cloud.files(under: "archive").count == 2)
        #expect(!recorded.archivePath.contains("/superseded/"))
        let keptPath = cloud.directory + "/archive/superseded/" + (superseded.first ?? "")
        #expect(FileManager.default.contents(atPath: keptPath) != FileManager.default.contents(atPath: recorded.archivePath),
                "the first file is the one fetched before the data moved")
        let notice = logs.entries("the export fetched while the data moved is kept, not recorded")
        #expect(notice.count == 1 && notice.first?.metadata["file"] == keptPath, "\(logs.all.map(\.message))")

        // Moving again on the refetch: recorded as moved, never a third fetch.
        try await cloud.simulator.injectFault(.movesDuringExport, count: 2)
        let again = try await runner(cloud).run(cloud.job, window: window, organizations: [100_003])
        #expect(again.status == .succeeded)
        let second = try #require(again.snapshots.first?.reconciliation)
        #expect(second.status == .movedDuringFetch && second.refetched && second.reason != nil)
        calls = await cloud.simulator.counters().apiCalls
        #expect(calls["DownloadListUnpaidOrders"] == 4 && calls["GetOrderAmount"] == 8)
    }

    @Test func reconcileFalseMakesNoSecondCall() async throws {
        let cloud = try await SimulatedCloud.start()
        defer { Task { await cloud.stop() } }
        var job = cloud.job
        job.reconcile = false
        let summary = try await cloud.runner.run(job, window: window(cloud), organizations: [100_001])
        #expect(summary.snapshots.first?.reconciliation == nil)
        #expect(try cloud.ledger.reconciliation(of: try #require(summary.snapshots.first).id) == nil)
        #expect(await cloud.simulator.counters().apiCalls["GetOrderAmount"] == nil)
    }
}
