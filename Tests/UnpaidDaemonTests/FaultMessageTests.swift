import BillingSimulator
import Foundation
import Testing
import UnpaidCore
@testable import UnpaidDaemon

/// What a person reads when the cloud misbehaves: the fault in words, the file to look
/// at, and never a response body, a presigned URL or its signature.
@Suite(.serialized) struct FaultMessageTests {
    /// Everything a run leaves for people: failure messages, the run's error column, log lines.
    func texts(_ summary: RunSummary, _ cloud: SimulatedCloud, _ log: LogRecorder) throws -> [String] {
        let runError = try cloud.ledger.runs().first { $0.id == summary.runID }?.error ?? ""
        let lines = log.all.map { entry in
            ([entry.message] + entry.metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }).joined(separator: " ")
        }
        return summary.failures.map(\.description) + [runError] + lines
    }

    @Test func anAnswerCutShortIsRetriedAndTheRunSucceeds() async throws {
        let cloud = try await SimulatedCloud.start(organizations: 2)
        defer { Task { await cloud.stop() } }
        try await cloud.simulator.injectFault(.truncatedJSON, count: 2)
        let summary = try await cloud.runner.run(cloud.job, scheduledAt: Date())
        #expect(summary.status == .succeeded, "\(summary.failures)")
        #expect(await cloud.simulator.counters().faultsFired["truncated-json"] == 2)
    }

    @Test func anAnswerAlwaysCutShortFailsInWordsWithoutTheURL() async throws {
        let log = LogRecorder()
        let cloud = try await SimulatedCloud.start(maxAttempts: 3, organizations: 1, logger: log.logger)
        defer { Task { await cloud.stop() } }
        try await cloud.simulator.injectFault(.truncatedJSON, count: 10)
        let summary = try await cloud.runner.run(cloud.job, scheduledAt: Date())
        #expect(summary.status == .failed)
        let message = try #require(summary.failures.first).message
        #expect(message.hasPrefix("DownloadListUnpaidOrders answered HTTP 200 with "), "\(message)")
        #expect(message.contains("bytes that are not complete JSON; gave up after 3 attempts"), "\(message)")
        #expect(await cloud.simulator.counters().faultsFired["truncated-json"] == 3)
        for text in try texts(summary, cloud, log) {
            #expect(!text.contains("Signature") && !text.contains("UCloudPublicKey") && !text.contains("DownloadURL"), "\(text)")
        }
    }

    @Test func aFileThatCannotBeReadIsNamedWhereItWasKept() async throws {
        let log = LogRecorder()
        let cloud = try await SimulatedCloud.start(organizations: 1, logger: log.logger)
        defer { Task { await cloud.stop() } }
        try await cloud.simulator.injectFault(.corruptZip, count: 1)
        let summary = try await cloud.runner.run(cloud.job, scheduledAt: Date())
        let failure = try #require(summary.failures.first)
        let kept = try #require(failure.rejectedFile)
        #expect(kept.hasPrefix(cloud.configuration.storage.archiveDirectory + "/rejected/"))
        #expect(FileManager.default.fileExists(atPath: kept))
        #expect(failure.message.contains(kept), "\(failure.message)")
        #expect(!failure.message.contains(cloud.configuration.storage.spoolDirectory), "\(failure.message)")
        let line = try #require(log.entries("organization failed").first)
        #expect(line.metadata["kept_file"] == kept)
        #expect(line.metadata["error"]?.contains(kept) == true)
    }

    @Test func aFileSizeThatDisagreesSaysSoWithBothNumbers() async throws {
        let log = LogRecorder()
        let cloud = try await SimulatedCloud.start(organizations: 1, logger: log.logger)
        defer { Task { await cloud.stop() } }
        try await cloud.simulator.injectFault(.wrongFileSize, count: 10)
        let summary = try await cloud.runner.run(cloud.job, scheduledAt: Date())
        let message = try #require(summary.failures.first).message
        // The simulator announces one byte more than it serves.
        let numbers = message.split { !$0.isNumber }.compactMap { Int($0) }
        #expect(message.contains("the API's FileSize (") && message.contains(" disagree"), "\(message)")
        #expect(numbers.count >= 2 && numbers[0] == numbers[1] + 1, "\(message)")
        #expect(!message.contains("cut") && !message.contains("expected"), "\(message)")
        for text in try texts(summary, cloud, log) {
            #expect(!text.contains("Signature") && !text.contains("UCloudPublicKey"), "\(text)")
        }
    }
}
