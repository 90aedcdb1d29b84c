import BillingSimulator
import Foundation
import Ledger
import Testing
import UnpaidCore
@testable import UnpaidDaemon

/// The main job against the loopback simulator: signed API calls, libcurl downloads,
/// real xlsx parsing, the archive and the SQLite ledger.
@Suite(.serialized) struct EndToEndTests {
    @Test func runRecordsExactTotalsThenChangesAfterPhaseTwo() async throws {
        let cloud = try await SimulatedCloud.start()
        defer { Task { await cloud.stop() } }
        let now = Date()

        let first = try await cloud.runner.run(cloud.job, scheduledAt: now)
        #expect(first.status == .succeeded, "\(first.failures)")
        #expect(first.snapshots.count == 4)
        for snapshot in first.snapshots {
            #expect(snapshot.totals == (await cloud.expected(snapshot.organizationID, first.window)))
            #expect(FileManager.default.fileExists(atPath: snapshot.archivePath))
            #expect(snapshot.archivePath.hasPrefix(cloud.directory + "/archive/\(snapshot.organizationID)/"))
        }

        try await cloud.simulator.setPhase(2)
        let second = try await cloud.runner.run(cloud.job, scheduledAt: now)
        #expect(second.status == .succeeded)
        let before = Dictionary(uniqueKeysWithValues: first.snapshots.map { ($0.organizationID, $0.totals) })
        for snapshot in second.snapshots {
            #expect(snapshot.totals == (await cloud.expected(snapshot.organizationID, second.window)))
        }
        let after = Dictionary(uniqueKeysWithValues: second.snapshots.map { ($0.organizationID, $0.totals) })
        #expect(after[100003] == before[100003], "the simulator never changes organization 100003")
        #expect(after[100002] != before[100002], "order 0 of 100002 costs more in phase 2")
        #expect(after[100004] != before[100004], "100004 has new orders in phase 2")

        let history = try cloud.ledger.history()
        #expect(Set(history.map(\.runID)) == [first.runID, second.runID])
        #expect(cloud.files(under: "archive").count == 8)
    }

    @Test func identicalContentAgainWritesNoOrderRows() async throws {
        let cloud = try await SimulatedCloud.start()
        defer { Task { await cloud.stop() } }
        let now = Date()
        _ = try await cloud.runner.run(cloud.job, scheduledAt: now)
        let countsBefore = try cloud.ledger.counts()
        let again = try await cloud.runner.run(cloud.job, scheduledAt: now)
        #expect(again.status == .succeeded)
        let countsAfter = try cloud.ledger.counts()
        #expect(countsAfter.snapshots == countsBefore.snapshots + 4)
        #expect(countsAfter.orderIntervals == countsBefore.orderIntervals)
    }

    @Test func transientFaultsAreRetriedResumedOrRefreshed() async throws {
        let cloud = try await SimulatedCloud.start()
        defer { Task { await cloud.stop() } }
        try await cloud.simulator.injectFault(.throttle, count: 1)
        try await cloud.simulator.injectFault(.dropMidBody, count: 1)
        try await cloud.simulator.injectFault(.expiredURL, count: 1)
        try await cloud.simulator.injectFault(.http5xx, count: 1, on: .api)
        let summary = try await cloud.runner.run(cloud.job, scheduledAt: Date())
        #expect(summary.status == .succeeded, "\(summary.failures)")
        for snapshot in summary.snapshots {
            #expect(snapshot.totals == (await cloud.expected(snapshot.organizationID, summary.window)))
        }
        let fired = await cloud.simulator.counters().faultsFired
        #expect(fired.values.reduce(0, +) == 4)
    }

    @Test func aCorruptFileFailsThatOrganizationOnlyAndIsKeptForSupport() async throws {
        let cloud = try await SimulatedCloud.start()
        defer { Task { await cloud.stop() } }
        let now = Date()
        let good = try await cloud.runner.run(cloud.job, scheduledAt: now)
        try await cloud.simulator.injectFault(.corruptZip, count: 1)
        let summary = try await cloud.runner.run(cloud.job, scheduledAt: now)
        #expect(summary.status == .partial)
        #expect(summary.snapshots.count == 3)
        let failure = try #require(summary.failures.first)
        #expect(failure.stage == .parse)
        #expect(cloud.files(under: "archive/rejected").count == 1)
        let runs = try cloud.ledger.runs()
        #expect(runs.first { $0.id == summary.runID }?.status == .partial)
        #expect(runs.first { $0.id == summary.runID }?.error?.contains("organization \(failure.organizationID)") == true)
        // The earlier snapshot of that organization is untouched.
        let earlier = try #require(good.snapshots.first { $0.organizationID == failure.organizationID })
        #expect(try cloud.ledger.snapshot(earlier.id) == earlier)
        #expect(try cloud.ledger.latestSnapshot(job: "mtd", organizationID: failure.organizationID)?.id == earlier.id)
        #expect(try FileManager.default.contentsOfDirectory(atPath: cloud.configuration.storage.spoolDirectory).isEmpty)
    }

    @Test func aWrongFileSizeIsRefusedAndNothingIsRecorded() async throws {
        let cloud = try await SimulatedCloud.start(organizations: 1)
        defer { Task { await cloud.stop() } }
        try await cloud.simulator.injectFault(.wrongFileSize, count: 10)
        let summary = try await cloud.runner.run(cloud.job, scheduledAt: Date())
        #expect(summary.status == .failed)
        #expect(summary.failures.first?.stage == .fetch)
        #expect(try cloud.ledger.counts().snapshots == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: cloud.configuration.storage.spoolDirectory).isEmpty)
    }

    @Test func aWrongPrivateKeyFailsFastNamingTheKey() async throws {
        let cloud = try await SimulatedCloud.start(organizations: 1)
        defer { Task { await cloud.stop() } }
        let pipeline = ExportPipeline(configuration: cloud.configuration, ledger: cloud.ledger,
                                      privateKey: "not-the-key", logger: .init(label: "x"))
        let summary = try await JobRunner(pipeline: pipeline, logger: .init(label: "x")).run(cloud.job, scheduledAt: Date())
        let message = try #require(summary.failures.first).message
        #expect(message.contains("171") && message.contains("private key"))
        #expect(!message.contains("not-the-key"))
        // Each call once (GetOrderAmount is asked right before the export): a signature error is never retried.
        #expect(await cloud.simulator.counters().apiCalls == ["GetOrderAmount": 1, "DownloadListUnpaidOrders": 1])
    }
}
