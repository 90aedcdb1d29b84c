import Foundation
import Ledger
import SQLiteLedger
import Logging
import Testing
import UnpaidCore
@testable import UnpaidDaemon

/// What a killed process leaves behind, put right by the next process that holds the
/// instance lock: runs still `running`, downloads in the spool, archived files whose
/// snapshot was never committed.
@Suite(.serialized) struct CrashRecoveryTests {
    @Test func anArchivedFileWhoseSnapshotFailsIsSetAsideAtOnce() async throws {
        let cloud = try await SimulatedCloud.start(organizations: 1)
        defer { Task { await cloud.stop() } }
        // A run that is no longer running cannot take a snapshot: the ledger refuses it
        // after the file reached the archive.
        let run = try cloud.ledger.startRun(job: cloud.job.name, startedAt: Date())
        try cloud.ledger.finishRun(run, status: .failed, error: "test", finishedAt: Date())
        let window = cloud.job.period.window(at: Date(), in: cloud.job.timeZone)
        do {
            _ = try await cloud.runner.pipeline.snapshot(job: cloud.job.name, organizationID: 100001, window: window,
                                                         timeZone: cloud.job.timeZone, filters: cloud.job.filters,
                                                         runID: run)
            Issue.record("the snapshot of a finished run was recorded")
        } catch {
            #expect(error.stage == .ledger)
            let kept = try #require(error.rejectedFile)
            #expect(kept.hasPrefix(cloud.directory + "/archive/unrecorded/100001/"), "\(kept)")
            #expect(FileManager.default.fileExists(atPath: kept))
        }
        #expect(cloud.files(under: "archive").allSatisfy { $0.hasPrefix("unrecorded/") }, "\(cloud.files(under: "archive"))")
        #expect(try spoolEntries(cloud).isEmpty, "no intent left behind")
    }

    @Test func intentsLeftByAKilledProcessSetAsideOnlyFilesNoSnapshotNames() async throws {
        let cloud = try await SimulatedCloud.start(organizations: 1)
        defer { Task { await cloud.stop() } }
        let summary = try await cloud.runner.run(cloud.job, scheduledAt: Date())
        let recorded = try #require(summary.snapshots.first?.archivePath)
        let archive = cloud.configuration.storage.archiveDirectory
        let spool = cloud.configuration.storage.spoolDirectory
        let lost = archive + "/100001/2026-11-01_2026-11-02/20261102T000000Z-unpaid.xlsx"
        try FileManager.default.createDirectory(atPath: (lost as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: recorded, toPath: lost)
        try FileManager.default.createDirectory(atPath: spool, withIntermediateDirectories: true)
        for (name, target) in [("archiving-a", lost), ("archiving-b", recorded), ("archiving-c", archive + "/never-moved.xlsx")] {
            try FileManager.default.createSymbolicLink(atPath: spool + "/" + name, withDestinationPath: target)
        }
        _ = FileManager.default.createFile(atPath: spool + "/download-Q1w2E3", contents: Data("PK partial".utf8))

        let log = LogRecorder()
        let lock = try InstanceLock(database: cloud.configuration.storage.database)
        try await StartupRecovery.run(configuration: cloud.configuration, ledger: cloud.ledger, lock: lock, logger: log.logger)

        let setAside = archive + "/unrecorded/100001/2026-11-01_2026-11-02/20261102T000000Z-unpaid.xlsx"
        #expect(FileManager.default.fileExists(atPath: setAside))
        #expect(!FileManager.default.fileExists(atPath: lost))
        #expect(FileManager.default.fileExists(atPath: recorded), "a recorded file stays where its snapshot says")
        #expect(try spoolEntries(cloud).isEmpty)
        let entry = try #require(log.entries("archived file no snapshot names (its process died before recording it): set aside").first)
        #expect(entry.metadata["file"] == lost && entry.metadata["moved_to"] == setAside)
        #expect(log.entries("removed downloads a stopped process left in the spool").count == 1)
    }

    private func spoolEntries(_ cloud: SimulatedCloud) throws -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: cloud.configuration.storage.spoolDirectory)) ?? []
    }
}

/// The real `unpaidd`, SIGKILLed at the worst moments, then started again.
@Suite(.serialized, .enabled(if: BuiltProducts.available, Comment(rawValue: BuiltProducts.missing)))
struct KilledProcessTests {
    @Test func aRunLeftRunningByAKilledDaemonIsFinishedAsInterruptedByTheNextStart() async throws {
        let fixture = try await DaemonFixture.start()
        defer { fixture.stop() }
        try fixture.writeConfig(schedule: "@every 1s", maxAttempts: 20)
        // Throttled again and again: the run sits in its retry back-off when killed.
        try await fixture.injectFault("throttle", count: 1_000)
        let daemon = try fixture.startDaemon()
        let ledger = try SQLiteLedger(path: fixture.database)
        try await eventually("a run in flight") { try !ledger.runs(status: .running).isEmpty }
        daemon.signal(SIGKILL)
        _ = try await daemon.exitStatus()
        let killed = try #require(try ledger.runs(status: .running).first)
        _ = FileManager.default.createFile(atPath: fixture.spool + "/download-k1LLed", contents: Data("PK half".utf8))
        _ = FileManager.default.createFile(atPath: fixture.spool + "/operator-notes.txt", contents: Data("mine".utf8))

        // One attempt, still throttled: the run fails fast, after the start-up recovery.
        try fixture.writeConfig(schedule: "@every 1s", maxAttempts: 1)
        let onceLog = fixture.directory + "/once.log"
        #expect(try runOnce(config: fixture.configPath, stderr: onceLog) != 0)
        let log = try String(contentsOfFile: onceLog, encoding: .utf8)
        let after = try #require(try ledger.runs().first { $0.id == killed.id })
        #expect(after.status == .interrupted && after.finishedAt != nil, "\(after)")
        #expect(after.error?.hasPrefix("interrupted: the unpaidd process running it ended before finishing it") == true)
        #expect(try ledger.runs(status: .running).isEmpty)
        #expect(log.contains("run left running by a process that died: finished as interrupted"), "\(log)")
        #expect(log.contains("run_id=\(killed.id.rawValue)"), "\(log)")
        #expect(log.contains("removed downloads a stopped process left in the spool"), "\(log)")
        #expect(fixture.spoolFiles() == ["operator-notes.txt"], "\(fixture.spoolFiles())")
        #expect(throws: LedgerError.runNotRunning(killed.id, status: .interrupted)) {
            try ledger.finishRun(killed.id, status: .succeeded, error: nil, finishedAt: Date())
        }

        let listing = try ChildProcess(BuiltProducts.directory! + "/unpaidd", [
            "runs", "--config", fixture.configPath, "--status", "interrupted", "--format", "csv",
        ], logPath: fixture.directory + "/runs.csv")
        #expect(try await listing.exitStatus() == 0, "\(listing.log)")
        let lines = listing.log.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(lines.first == "run,job,started_at,finished_at,status,error")
        #expect(lines.count == 2 && lines[1].hasPrefix("\(killed.id.rawValue),mtd,") && lines[1].contains(",interrupted,"),
                "\(lines)")
    }

    /// Killed as soon as a file reaches the archive, before its snapshot commits (the
    /// ledger takes a while over 40,000 orders): the next start sets the file aside, and
    /// every file left in the archive is one a snapshot names.
    @Test func anArchivedFileWhoseSnapshotNeverCommittedIsSetAsideAtTheNextStart() async throws {
        let fixture = try await DaemonFixture.start(ordersPerOrganization: 40_000)
        defer { fixture.stop() }
        try fixture.writeConfig(schedule: "@every 1s")
        let archive = fixture.directory + "/archive"
        var setAside: [String] = []
        // At the lowest priority the daemon's commit stays slower than this test's polling
        // even on a loaded machine, where a poller starved for a moment missed the window.
        for _ in 0..<8 where setAside.isEmpty {
            let before = Set(archivedFiles(archive))
            let once = try ChildProcess("/usr/bin/nice", ["-n", "19", BuiltProducts.directory! + "/unpaidd",
                                                          "run", "--once", "--config", fixture.configPath],
                                        logPath: fixture.directory + "/killed.log")
            try await eventually("a file in the archive", timeout: 120, interval: 0.002) {
                !Set(archivedFiles(archive)).subtracting(before).isEmpty || !once.process.isRunning
            }
            once.signal(SIGKILL)
            _ = try await once.exitStatus()
            let recovery = try ChildProcess(BuiltProducts.directory! + "/unpaidd", ["run", "--once", "--config", fixture.configPath],
                                            logPath: fixture.directory + "/recovery.log")
            #expect(try await recovery.exitStatus(timeout: 180) == 0, "\(recovery.log)")
            setAside = archivedFiles(archive + "/unrecorded")
        }
        #expect(!setAside.isEmpty, "no kill landed between the archive and the commit in eight tries")
        let ledger = try SQLiteLedger(path: fixture.database)
        let named = Set(try ledger.history().map { try ledger.snapshot($0.snapshotID).archivePath })
        let kept = archivedFiles(archive).filter { !$0.hasPrefix(archive + "/unrecorded/") }
        #expect(Set(kept) == named, "every archived file is named by a snapshot")
        #expect(setAside.allSatisfy { !named.contains($0) })
        #expect(fixture.spoolFiles().isEmpty, "\(fixture.spoolFiles())")
    }

    /// `unpaidd run --once` with its log (stderr) alone in a file; the exit status.
    private func runOnce(config: String, stderr: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(filePath: BuiltProducts.directory! + "/unpaidd")
        process.arguments = ["run", "--once", "--config", config]
        _ = FileManager.default.createFile(atPath: stderr, contents: nil)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: stderr)
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    private func archivedFiles(_ root: String) -> [String] {
        guard let names = FileManager.default.enumerator(atPath: root) else { return [] }
        return names.compactMap { $0 as? String }.filter { $0.hasSuffix(".xlsx") }.map { root + "/" + $0 }.sorted()
    }
}
