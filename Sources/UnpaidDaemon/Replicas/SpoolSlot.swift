import Foundation

/// A replica's own part of a spool that replicas on one PostgreSQL ledger may share:
/// `<spool_dir>/replica-<N>`, the lowest N whose lock this process takes. The lock is held
/// for the process's life and dropped by the kernel when it dies, so whatever a dead
/// replica left in its part (downloads, archive intents) belongs to no live process once
/// another takes the part: that one clears it, as one process on SQLite clears the spool.
public final class SpoolSlot: Sendable {
    public let directory: String
    private let lock: InstanceLock

    /// More replicas than this on one spool is a configuration mistake, not a fleet.
    public static let limit = 64

    public init(spool: String) throws(SpoolSlotError) {
        for number in 0..<Self.limit {
            let directory = spool + "/replica-\(number)"
            let lock: InstanceLock
            do {
                lock = try InstanceLock(database: directory)
            } catch .held {
                continue
            } catch {
                throw .unusable(spool: spool, reason: "\(error)")
            }
            do {
                try OwnerOnlyDirectory.create(directory)
            } catch {
                throw .unusable(spool: spool, reason: "\(error)")
            }
            self.directory = directory
            self.lock = lock
            return
        }
        throw .allTaken(spool: spool, limit: Self.limit)
    }
}

public enum SpoolSlotError: Error, Sendable, Equatable, CustomStringConvertible {
    case allTaken(spool: String, limit: Int)
    case unusable(spool: String, reason: String)

    public var description: String {
        switch self {
        case .allTaken(let spool, let limit):
            "storage.spool_dir: all \(limit) replica parts of \(spool) are in use by running unpaidd processes; stop some, or give these their own spool_dir"
        case .unusable(let spool, let reason):
            "storage.spool_dir: cannot take a replica part of \(spool): \(reason)"
        }
    }
}

extension Configuration {
    /// The configuration with its downloads and archive intents in `slot`, when there is one.
    public func inSpool(_ slot: SpoolSlot?) -> Configuration {
        guard let slot else { return self }
        var configuration = self
        configuration.storage.spoolDirectory = slot.directory
        return configuration
    }
}
