import Foundation
import Ledger
import Logging

/// `[storage] archive_retention`: archived files of snapshots fetched longer ago than
/// that are removed; the ledger keeps each one's name, size and SHA-256 and records the
/// removal, so `verify` reports them as removed and `history` still lists them.
public struct ArchiveRetention: Sendable {
    public let ledger: any Ledger
    public let retentionSeconds: TimeInterval
    let logger: Logger

    public init(ledger: any Ledger, retentionSeconds: TimeInterval, logger: Logger) {
        self.ledger = ledger
        self.retentionSeconds = retentionSeconds
        self.logger = logger
    }

    /// Removes what is due at `now`; returns the paths removed.
    @discardableResult
    public func apply(now: Date = Date()) async throws -> [String] {
        let reason = "archive_retention \(Int(retentionSeconds / 86_400))d"
        var removed: [String] = []
        for file in try await ledger.archivedFiles(fetchedBefore: now.addingTimeInterval(-retentionSeconds)) {
            let exists = FileManager.default.fileExists(atPath: file.path)
            if file.removal == nil {
                // A file already gone was not removed by retention: recording it would hide
                // that from `verify`, which reports it as missing instead.
                guard exists else {
                    logger.warning("archived file is missing, not recording it as removed by retention", metadata: [
                        "snapshot_id": "\(file.snapshotID.rawValue)", "path": "\(file.path)"])
                    continue
                }
                try await ledger.recordArchiveRemoval(file.snapshotID, at: now, reason: reason)
            }
            guard exists else { continue }
            if unlink(file.path) == 0 {
                removed.append(file.path)
            } else {
                logger.error("cannot remove an archived file past retention", metadata: [
                    "snapshot_id": "\(file.snapshotID.rawValue)", "path": "\(file.path)",
                    "error": "\(String(cString: strerror(errno)))"])
            }
        }
        if !removed.isEmpty {
            logger.notice("removed archived files past retention", metadata: [
                "count": "\(removed.count)", "retention_days": "\(Int(retentionSeconds / 86_400))"])
        }
        return removed
    }
}
