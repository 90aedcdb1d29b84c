import BillingSimulator
import Foundation
import Ledger
import SQLiteLedger
import Logging
import Synchronization
import Testing
import UnpaidCore
@testable import UnpaidDaemon

/// The pieces `unpaidd run` wires together, checked against the in-process simulator.
@Suite(.serialized) struct DaemonWiringTests {
    @Test func theExecutorRunsTheConfiguredJobAndThrowsUnlessEveryOrganizationSucceeded() async throws {
        let cloud = try await SimulatedCloud.start(organizations: 3)
        defer { Task { await cloud.stop() } }
        let finished = LockedList<RunSummary>()
        let executor = PipelineJobExecutor(configuration: cloud.configuration, runner: cloud.runner) { finished.append($0) }
        let scheduledAt = Date()

        try await executor.execute(job: "mtd", scheduledAt: scheduledAt)
        #expect(finished.all.map(\.status) == [.succeeded])
        #expect(finished.all.first?.window == cloud.job.period.window(at: scheduledAt, in: cloud.job.timeZone))

        try await cloud.simulator.injectFault(.corruptZip, count: 1)
        await #expect(throws: JobExecutionError.self) { try await executor.execute(job: "mtd", scheduledAt: scheduledAt) }
        #expect(finished.all.map(\.status) == [.succeeded, .partial])
        do {
            try await executor.execute(job: "gone", scheduledAt: scheduledAt)
            Issue.record("an unknown job must throw")
        } catch {
            #expect("\(error)" == "job \"gone\" is no longer in the configuration")
        }
    }

    @Test func sharedLimitsBoundOrganizationsAcrossRunners() async throws {
        let cloud = try await SimulatedCloud.start(organizations: 4)
        defer { Task { await cloud.stop() } }
        var settings = DaemonSettings()
        settings.maxConcurrentOrganizations = 1
        settings.apiCallsPerSecond = 1_000
        let shared = SharedLimits(settings)
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let runners = (0..<2).map { _ in
            shared.runner(for: cloud.configuration, ledger: cloud.ledger, privateKey: SimulatedCloud.privateKey, logger: logger)
        }
        #expect(runners[0].pipeline.apiRateLimit === shared.apiCalls)
        let job = cloud.job
        async let first = runners[0].run(job, scheduledAt: Date())
        async let second = runners[1].run(job, scheduledAt: Date())
        let summaries = try await [first, second]
        #expect(summaries.map(\.status) == [.succeeded, .succeeded])
        #expect((shared.organizations as? ConcurrencyLimiter)?.inUse == 0)
        #expect(await cloud.simulator.counters().apiCalls["DownloadListUnpaidOrders"] == 8)
    }

    @Test func theLedgerRemembersFireTimesForTheScheduler() async throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "fires-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store: any FireTimeStore = LedgerFireTimes(ledger: try SQLiteLedger(path: directory + "/ledger.sqlite"))
        await #expect(try store.lastFire(job: "daily") == nil)
        try await store.recordFire(job: "daily", scheduledAt: instant("2026-11-22T06:30:00Z"))
        try await store.recordFire(job: "daily", scheduledAt: instant("2026-11-23T06:30:00Z"))
        await #expect(try store.lastFire(job: "daily") == instant("2026-11-23T06:30:00Z"))
    }

    @Test func aSecondInstanceOnTheSameLedgerIsRefused() async throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "lock-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = directory + "/ledger.sqlite"
        var first: InstanceLock? = try InstanceLock(database: database)
        #expect(throws: InstanceLockError.held(path: database + ".lock", database: database)) {
            _ = try InstanceLock(database: database)
        }
        first = nil
        _ = first
        #expect(throws: Never.self) { _ = try InstanceLock(database: database) }
    }

    @Test func everyDownloadInTheSpoolIsRemovedAtStartButNothingElse() async throws {
        let spool = FileManager.default.temporaryDirectory.appending(path: "spool-\(UUID())").path
        try FileManager.default.createDirectory(atPath: spool, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: spool) }
        let now = Date()
        for (name, age) in [("download-Ab3dE9", 4_000.0), ("download-x1y2z3", 1.0), ("notes.txt", 9_000.0),
                            ("download-notours.txt", 9_000.0)] {
            _ = FileManager.default.createFile(atPath: spool + "/" + name, contents: Data("x".utf8),
                                               attributes: [.modificationDate: now.addingTimeInterval(-age)])
        }
        let log = LogRecorder()
        StartupRecovery.removeDownloads(in: spool, logger: log.logger)
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool).sorted() == ["download-notours.txt", "notes.txt"])
        #expect(log.entries("removed downloads a stopped process left in the spool").first?.metadata["files"]
            == "[\"download-Ab3dE9\", \"download-x1y2z3\"]")
    }

    @Test func previewsNameFireTimesInTheJobZoneWithTheirPeriods() async throws {
        let job = JobSettings(name: "daily", organizations: [1], period: .previousDay,
                              timeZone: TimeZone(identifier: "Asia/Shanghai")!,
                              schedule: try Schedule(parsing: "30 6 * * *"), filters: QueryFilters())
        let previews = FirePreview.next(3, of: job, after: instant("2026-11-22T00:00:00Z"))
        #expect(previews.map(\.localTime) == ["Mon 2026-11-23 06:30:00 +08:00", "Tue 2026-11-24 06:30:00 +08:00",
                                              "Wed 2026-11-25 06:30:00 +08:00"])
        #expect(previews.map(\.periodLabel) == ["2026-11-22_2026-11-23", "2026-11-23_2026-11-24", "2026-11-24_2026-11-25"])

        let status = DaemonStatus(jobs: [job])
        #expect(status.line(now: instant("2026-11-22T00:00:00Z"))
            == "last: none yet; next: daily at Mon 2026-11-23 06:30:00 +08:00 for 2026-11-22_2026-11-23")
        status.note("reload failed")
        #expect(status.line(now: instant("2026-11-22T00:00:00Z")).hasPrefix("reload failed; last: none yet; "))
    }
}

final class LockedList<Element: Sendable>: Sendable {
    private let items = Mutex<[Element]>([])
    func append(_ item: Element) { items.withLock { $0.append(item) } }
    var all: [Element] { items.withLock { $0 } }
}
