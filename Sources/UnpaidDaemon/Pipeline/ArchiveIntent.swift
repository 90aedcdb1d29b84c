import Foundation

/// A symlink in the spool, `archiving-<uuid>` → the archive path a file is about to take.
/// It exists from just before the file moves into the archive until the snapshot naming
/// that path is committed (or the file is set aside), so a process killed in between
/// leaves a pointer to the one file no snapshot names. A restart then reads the spool's
/// few entries instead of walking an archive of years (`StartupRecovery`).
struct ArchiveIntent: Sendable {
    static let prefix = "archiving-"
    let path: String

    init(spoolDirectory: String) {
        path = spoolDirectory + "/" + Self.prefix + UUID().uuidString
    }

    /// Durable before the move: the spool's folder is fsynced, so even a power loss after
    /// the file's move keeps the pointer.
    func announce(_ archivePath: String) throws(ArchiveError) {
        guard symlink(archivePath, path) == 0 else {
            throw .cannotMarkInFlight(path, String(cString: strerror(errno)))
        }
        try FileArchive.syncDirectory((path as NSString).deletingLastPathComponent)
    }

    func clear() {
        unlink(path)
    }

    /// After a failed move: a file that reached the archive anyway (its folder's fsync
    /// failed) keeps its intent, so the next start sets it aside.
    func clearUnlessMoved() {
        guard let target = Self.target(of: path), FileManager.default.fileExists(atPath: target) else { return clear() }
    }

    /// The archive path a leftover intent points to; nil when `path` is not one.
    static func target(of path: String) -> String? {
        var status = stat()
        guard lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFLNK else { return nil }
        return try? FileManager.default.destinationOfSymbolicLink(atPath: path)
    }
}

/// Archived files no snapshot names go to `<archive>/unrecorded/`, keeping their path
/// under the archive, so nobody mistakes them for recorded ones and nothing is lost.
enum UnrecordedFiles {
    static func setAside(_ archivedFile: String, archiveRoot: String) throws(ArchiveError) -> String {
        let root = archiveRoot.hasSuffix("/") ? String(archiveRoot.dropLast()) : archiveRoot
        let relative = archivedFile.hasPrefix(root + "/") ? String(archivedFile.dropFirst(root.count + 1))
            : (archivedFile as NSString).lastPathComponent
        return try FileArchive.move(archivedFile, to: root + "/unrecorded/" + relative)
    }
}
