import Foundation
import Ledger
import Logging

/// What a process that died (SIGKILL, power loss, out of memory) left behind, put right by
/// the next process that records. Holding the instance lock proves no other unpaidd is
/// running on this ledger, so nothing found is in use: every `running` run, every
/// download in the spool and every archive intent belongs to a dead process.
public enum StartupRecovery {
    /// Runs every step, logging what it found; `lock` is the proof the caller holds it.
    public static func run(configuration: Configuration, ledger: any Ledger, lock: InstanceLock, logger: Logger,
                           now: Date = Date()) async throws {
        try await finishInterruptedRuns(ledger: ledger, logger: logger, now: now)
        try await setAsideUnrecordedFiles(storage: configuration.storage, ledger: ledger, logger: logger)
        removeDownloads(in: configuration.storage.spoolDirectory, logger: logger)
        withExtendedLifetime(lock) {}
    }

    /// What this process may put right: everything when it holds the instance lock
    /// (SQLite); on a shared PostgreSQL ledger, the runs of processes that died (the ledger
    /// tells them apart) and what a dead replica left in the spool part `slot` this process
    /// now holds (`configuration` must already point its spool there).
    public static func runIfAlone(configuration: Configuration, ledger: any Ledger, lock: InstanceLock?,
                                  slot: SpoolSlot?, logger: Logger) async throws {
        if let lock {
            try await run(configuration: configuration, ledger: ledger, lock: lock, logger: logger)
            return
        }
        try await finishInterruptedRuns(ledger: ledger, logger: logger, now: Date())
        guard let slot else { return }
        try await setAsideUnrecordedFiles(storage: configuration.storage, ledger: ledger, logger: logger)
        removeDownloads(in: slot.directory, logger: logger)
    }

    static func finishInterruptedRuns(ledger: any RunRecorder, logger: Logger, now: Date,
                                      foundWhen: String = "at start") async throws {
        let reason = "interrupted: the unpaidd process running it ended before finishing it"
            + " (found by process \(getpid()) \(foundWhen))"
        for run in try await ledger.interruptRunningRuns(at: now, reason: reason) {
            logger.warning("run left running by a process that died: finished as interrupted", metadata: [
                "run_id": "\(run.id.rawValue)", "job": "\(run.job)",
                "started_at": "\(run.startedAt.formatted(.iso8601))"])
        }
    }

    /// Files a killed process moved into the archive without committing their snapshot,
    /// found through the intents it left in the spool (see `ArchiveIntent`).
    static func setAsideUnrecordedFiles(storage: StorageSettings, ledger: any Ledger, logger: Logger) async throws {
        for name in spoolEntries(storage.spoolDirectory) where name.hasPrefix(ArchiveIntent.prefix) {
            let intent = storage.spoolDirectory + "/" + name
            guard let target = ArchiveIntent.target(of: intent) else { continue }
            if FileManager.default.fileExists(atPath: target), try await !ledger.isRecorded(archivePath: target) {
                do {
                    let moved = try UnrecordedFiles.setAside(target, archiveRoot: storage.archiveDirectory)
                    logger.warning("archived file no snapshot names (its process died before recording it): set aside",
                                   metadata: ["file": "\(target)", "moved_to": "\(moved)"])
                } catch {
                    logger.error("cannot set aside an archived file no snapshot names; will try again at next start",
                                 metadata: ["file": "\(target)", "error": "\(error)"])
                    continue
                }
            }
            unlink(intent)
        }
    }

    /// Every download in the spool: no process is writing any of them. Only names the
    /// downloader makes (`download-` and mkstemp's six characters) are touched.
    static func removeDownloads(in spool: String, logger: Logger) {
        var removed: [String] = []
        for name in spoolEntries(spool) where isDownloadName(name) {
            let path = spool + "/" + name
            var status = stat()
            guard lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { continue }
            if unlink(path) == 0 { removed.append(name) }
        }
        if !removed.isEmpty {
            logger.notice("removed downloads a stopped process left in the spool", metadata: [
                "spool": "\(spool)", "files": "\(removed.sorted())"])
        }
    }

    static func isDownloadName(_ name: String) -> Bool {
        let prefix = "download-"
        guard name.hasPrefix(prefix) else { return false }
        let suffix = name.utf8.dropFirst(prefix.utf8.count)
        return suffix.count == 6 && suffix.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
            || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }
    }

    private static func spoolEntries(_ spool: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: spool)) ?? []
    }
}
