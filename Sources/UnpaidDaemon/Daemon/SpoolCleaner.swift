import Foundation
import Logging

/// Downloads left in the spool by a killed process (SIGKILL, power loss). Only files older
/// than the longest possible download are removed, so a concurrent `unpaidd fetch` keeps
/// its file in progress.
enum SpoolCleaner {
    static func removeAbandonedDownloads(in spool: String, olderThan seconds: Double, logger: Logger,
                                         now: Date = Date()) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: spool) else { return }
        var removed: [String] = []
        for name in names where name.hasPrefix("download-") {
            let path = spool + "/" + name
            guard let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date,
                  now.timeIntervalSince(modified) > seconds else { continue }
            if unlink(path) == 0 { removed.append(name) }
        }
        if !removed.isEmpty {
            logger.notice("removed abandoned downloads from the spool", metadata: [
                "spool": "\(spool)", "files": "\(removed.sorted())"])
        }
    }
}
