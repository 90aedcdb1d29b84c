import Ledger
import Logging
import PostgresNIO

/// Which `running` runs belong to a live process, for replicas sharing one database.
///
/// A process opened with `ownsRuns` keeps one session of its own and holds a session-level
/// advisory lock per run it started, until it finishes the run. When the process dies, the
/// server ends its session and drops the locks with it; `interruptRunningRuns` then finishes
/// only runs whose lock it can take, so a replica's start (or sweep) never finishes the run
/// of a replica still at work. A ledger opened without `ownsRuns` holds no lock: every
/// `running` run is finished, as on SQLite, where the instance lock proves no one else runs.
enum PostgresRunOwnership {
    /// The first key of the two-key advisory locks (`runs` in ASCII), apart from work claims'.
    static let lockClass: Int32 = 0x7275_6E73

    /// The run's key: its id's low 31 bits. Two runs sharing a key only keep a dead one
    /// running longer, never finish a live one.
    static func key(of run: RunID) -> Int32 { Int32(truncatingIfNeeded: run.rawValue & 0x7FFF_FFFF) }

    static func take(_ run: RunID, on owner: PostgresConnection?, logger: Logger) async throws {
        guard let owner else { return }
        _ = try await owner.query("SELECT pg_advisory_lock(\(lockClass), \(key(of: run)))", logger: logger)
    }

    /// Failing to release only keeps the run marked alive until this process's session ends.
    static func release(_ run: RunID, on owner: PostgresConnection?, logger: Logger) async {
        guard let owner else { return }
        do {
            _ = try await owner.query("SELECT pg_advisory_unlock(\(lockClass), \(key(of: run)))", logger: logger)
        } catch {
            logger.warning("cannot release the run's ownership lock; it goes when this process's session ends",
                           metadata: ["run_id": "\(run.rawValue)", "error": "\(error)"])
        }
    }
}
