import Foundation

/// The archive of every export file ever fetched, laid out for people:
/// `<root>/<organization>/<period label>/<fetched-at>-<file name>`.
///
/// Files arrive complete and fsynced in the spool (same file system), so adding one
/// is a `rename(2)` followed by an fsync of the directory: a crash leaves either no
/// file or the whole file, never a half-written one.
public struct FileArchive: Sendable {
    public let root: String

    public init(root: String) {
        self.root = root
    }

    public func destination(organizationID: Int64, periodLabel: String, fetchedAt: Date, fileName: String) -> String {
        let stamp = Self.utcStamp(fetchedAt)
        return "\(root)/\(organizationID)/\(periodLabel)/\(stamp)-\(Self.safeFileName(fileName))"
    }

    /// Moves `spooledFile` into the archive and returns where it landed; never overwrites.
    /// `announce` learns the final path just before the file appears there, so a crash
    /// between this move and the snapshot's commit can be found later (`ArchiveIntent`).
    public func add(spooledFile: String, organizationID: Int64, periodLabel: String,
                    fetchedAt: Date, fileName: String,
                    announce: (String) throws(ArchiveError) -> Void = { _ throws(ArchiveError) in }) throws(ArchiveError) -> String {
        try Self.move(spooledFile, to: destination(organizationID: organizationID, periodLabel: periodLabel,
                                                   fetchedAt: fetchedAt, fileName: fileName), announce: announce)
    }

    /// Moves `file` to `preferred`, or to `preferred` numbered (`-2`, `-3`, ...) when that
    /// name is taken, creating folders; never overwrites. Same file system only.
    static func move(_ file: String, to preferred: String,
                     announce: (String) throws(ArchiveError) -> Void = { _ throws(ArchiveError) in }) throws(ArchiveError) -> String {
        let directory = (preferred as NSString).deletingLastPathComponent
        do {
            try OwnerOnlyDirectory.create(directory)
        } catch {
            throw .cannotCreateDirectory(directory, error.description)
        }
        var target = preferred
        var attempt = 1
        while FileManager.default.fileExists(atPath: target) {
            attempt += 1
            target = Self.numbered(preferred, attempt)
        }
        try announce(target)
        // link(2) fails instead of replacing an existing file, so a concurrent fetch of the
        // same name can never overwrite an archived file.
        guard link(file, target) == 0 else {
            throw .cannotMove(from: file, to: target, String(cString: strerror(errno)))
        }
        unlink(file)
        try Self.syncDirectory(directory)
        return target
    }

    static func safeFileName(_ name: String) -> String {
        let cleaned = String(name.unicodeScalars.map { scalar -> Character in
            if scalar == "/" || scalar == "\\" || scalar.properties.generalCategory == .control { return "_" }
            return Character(scalar)
        })
        let trimmed = cleaned.drop { $0 == "." }
        return trimmed.isEmpty ? "export.xlsx" : String(trimmed.prefix(200))
    }

    private static func numbered(_ path: String, _ number: Int) -> String {
        let ext = (path as NSString).pathExtension
        let base = ext.isEmpty ? path : String(path.dropLast(ext.count + 1))
        return ext.isEmpty ? "\(base)-\(number)" : "\(base)-\(number).\(ext)"
    }

    static func syncDirectory(_ path: String) throws(ArchiveError) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY)
        guard descriptor >= 0 else { throw .cannotSync(path, String(cString: strerror(errno))) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw .cannotSync(path, String(cString: strerror(errno))) }
    }

    /// `20261122T171900Z`: sorts by time, and the same in every locale and zone.
    static func utcStamp(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", parts.tm_year + 1900, parts.tm_mon + 1,
                      parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec)
    }
}

public enum ArchiveError: Error, Sendable, CustomStringConvertible {
    case cannotCreateDirectory(String, String)
    case cannotMove(from: String, to: String, String)
    case cannotSync(String, String)
    case cannotMarkInFlight(String, String)

    public var description: String {
        switch self {
        case .cannotCreateDirectory(let path, let reason): "cannot create archive folder \(path): \(reason)"
        case .cannotMove(let from, let to, let reason): "cannot move \(from) into the archive as \(to): \(reason)"
        case .cannotSync(let path, let reason): "cannot fsync archive folder \(path): \(reason)"
        case .cannotMarkInFlight(let path, let reason):
            "cannot write \(path), which lets a restart find an archived file whose snapshot was never recorded: \(reason)"
        }
    }
}
