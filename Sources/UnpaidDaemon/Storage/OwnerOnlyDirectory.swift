import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The directories unpaidd writes hold finance data: each one it creates is owner-only
/// (0700) whatever the umask. Directories that already exist are left as they are, so a
/// parent such as `/var/lib` is never touched.
///
/// Problems are reported as `DirectoryProblem`, in words (which path, what is wrong),
/// not as a Foundation error code.
enum OwnerOnlyDirectory {
    /// Creates `path` and its missing parents, then checks that this user can write it.
    static func create(_ path: String) throws(DirectoryProblem) {
        for prefix in prefixes(of: path) {
            switch kind(of: prefix) {
            case .directory: continue
            case .other: throw .notADirectory(path: prefix)
            case .missing:
                guard mkdir(prefix, 0o700) == 0 || errno == EEXIST else {
                    let code = errno
                    let parent = (prefix as NSString).deletingLastPathComponent
                    if code == EACCES || code == EROFS { throw .notWritable(path: parent.isEmpty ? "." : parent) }
                    throw .cannotCreate(path: prefix, reason: String(cString: strerror(code)))
                }
                guard kind(of: prefix) == .directory else { throw .notADirectory(path: prefix) }
                // mkdir's mode passes through the umask, which may have taken more than group and others.
                chmod(prefix, 0o700)
            }
        }
        guard access(path, W_OK | X_OK) == 0 else { throw .notWritable(path: path) }
    }

    /// What `create` would find, changing nothing: the first parent that is not a
    /// directory, or the directory (`path` or its deepest existing parent) this user
    /// could not write.
    static func check(_ path: String) throws(DirectoryProblem) {
        var deepest = "."
        for prefix in prefixes(of: path) {
            switch kind(of: prefix) {
            case .directory: deepest = prefix
            case .other: throw .notADirectory(path: prefix)
            case .missing:
                guard access(deepest, W_OK | X_OK) == 0 else { throw .notWritable(path: deepest) }
                return
            }
        }
        guard access(path, W_OK | X_OK) == 0 else { throw .notWritable(path: path) }
    }

    enum Kind { case directory, other, missing }

    static func kind(of path: String) -> Kind {
        var status = stat()
        guard stat(path, &status) == 0 else { return errno == ENOENT ? .missing : .other }
        return (status.st_mode & S_IFMT) == S_IFDIR ? .directory : .other
    }

    /// `/a/b/c` → `/a`, `/a/b`, `/a/b/c`; relative paths start from the working directory.
    private static func prefixes(of path: String) -> [String] {
        let absolute = path.hasPrefix("/")
        var current = absolute ? "" : "."
        var result: [String] = []
        for component in path.split(separator: "/") where component != "." {
            current += "/" + component
            result.append(absolute ? current : String(current.dropFirst(2)))
        }
        return result
    }
}

/// Why a directory unpaidd needs cannot be used, in words a person can act on.
public enum DirectoryProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// `path` exists but is a file (or something else), so nothing can be created under it.
    case notADirectory(path: String)
    /// The user unpaidd runs as cannot create entries in `path`.
    case notWritable(path: String)
    case cannotCreate(path: String, reason: String)

    public var description: String {
        switch self {
        case .notADirectory(let path): "\(path) exists and is not a directory"
        case .notWritable(let path): "\(path) is not writable by \(Self.currentUser)"
        case .cannotCreate(let path, let reason): "cannot create \(path): \(reason)"
        }
    }

    static var currentUser: String {
        let uid = getuid()
        guard let entry = getpwuid(uid), let name = entry.pointee.pw_name else { return "uid \(uid)" }
        return "user \(String(cString: name)) (uid \(uid))"
    }
}
