import Foundation
import Ledger
import Testing
import UnpaidCore
@testable import UnpaidDaemon

/// `unpaidd report` on a ledger where the simulator's second source disagreed for one
/// organization: the page marks that snapshot, with the figures the ledger recorded.
@Suite(.serialized, .enabled(if: BuiltProducts.available, Comment(rawValue: BuiltProducts.missing)))
struct ReportReconciliationTests {
    @Test func theReportMarksAMismatchInTheSummaryAndItsSection() async throws {
        let cloud = try await SimulatedCloud.start()
        defer { Task { await cloud.stop() } }
        let window = cloud.job.period.window(at: Date(), in: cloud.job.timeZone)
        let oneAtATime = JobRunner(pipeline: cloud.runner.pipeline, maxConcurrentOrganizations: 1,
                                   logger: LogRecorder().logger)
        // Both readings of 100001 disagree with its export; 100003 agrees.
        try await cloud.simulator.injectFault(.amountDisagree, count: 2)
        let run = try await oneAtATime.run(cloud.job, window: window, organizations: [100_001, 100_003])
        #expect(run.snapshots.map { $0.reconciliation?.status } == [.mismatch, .reconciled])
        let mismatch = try #require(try cloud.ledger.reconciliation(of: run.snapshots[0].id))
        let answer = try #require(mismatch.after.answer)

        let config = cloud.directory + "/unpaidd.toml", page = cloud.directory + "/report.html"
        try cloud.configurationText.write(toFile: config, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(filePath: BuiltProducts.directory! + "/unpaidd")
        process.arguments = ["report", "--config", config, "--output", page]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let html = try String(contentsOfFile: page, encoding: .utf8)

        let summary = try #require(html.components(separatedBy: "<h2>Organization").first)
        #expect(summary.contains("Not reconciled with GetOrderAmount: 1 snapshot of 1 series"), "\(summary)")
        #expect(summary.contains("<td>mismatch</td>"))
        let exportFigure = "\(mismatch.exportCount) orders, \(mismatch.exportAmount?.description ?? "several currencies")"
        #expect(summary.contains(exportFigure) && summary.contains("\(answer.count) orders, \(answer.amount)"),
                "both figures: \(exportFigure) and \(answer)")
        #expect(summary.contains("#org-100001-mtd\">100001</a> <span class=\"flag\""))
        #expect(!summary.contains("#org-100003-mtd\">100003</a> <span"))

        let section = try #require(html.components(separatedBy: "<h2>Organization 100001").last?
            .components(separatedBy: "<h2>Organization").first)
        #expect(section.contains("Not reconciled with GetOrderAmount: 1 mismatch"))
        #expect(section.contains("<td>\(run.snapshots[0].id.rawValue)</td>") && section.contains(mismatch.reason ?? "?"))
        let other = try #require(html.components(separatedBy: "<h2>Organization 100003").last)
        #expect(!other.contains("Not reconciled"))
    }
}
