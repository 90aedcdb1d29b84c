import Foundation
import GRDB
import Ledger
import UnpaidCore

/// Finance's audit history: runs, snapshots of fetched files with exact per-currency
/// totals, and the unpaid orders of every snapshot, kept for years in one SQLite file.
///
/// Methods are synchronous and safe to call from any thread: reads run concurrently
/// on WAL readers, writes are serialized by the pool.
public final class SQLiteLedger: Sendable {
    public let path: String
    let pool: DatabasePool

    init(path: String, pool: DatabasePool) {
        self.path = path
        self.pool = pool
    }

    /// Opens the ledger at `path`, creating the file and its directories if needed,
    /// and applies the migrations this build knows. Only commands that record use this;
    /// queries use ``openForReading(path:)``, which never creates anything.
    public convenience init(path: String) throws {
        try self.init(path: path, pool: LedgerOpening(path: path, access: .create).open())
    }

    // MARK: runs

    public func startRun(job: String, startedAt: Date) throws -> RunID {
        try pool.write { db in
            try db.execute(sql: "INSERT INTO run (job, started_at_ms, status) VALUES (?, ?, 'running')",
                           arguments: [job, Instant.milliseconds(startedAt)])
            return RunID(rawValue: db.lastInsertedRowID)
        }
    }

    /// Ends a running run. `error` says what went wrong for failed and partial runs.
    public func finishRun(_ id: RunID, status: RunStatus, error: String?, finishedAt: Date) throws {
        guard status != .running else { throw LedgerError.finishedAsRunning(id) }
        try pool.write { db in
            let current = try Self.runStatus(id, in: db)
            guard current == .running else { throw LedgerError.runNotRunning(id, status: current) }
            try db.execute(sql: "UPDATE run SET status = ?, error = ?, finished_at_ms = ? WHERE id = ?",
                           arguments: [status.rawValue, error, Instant.milliseconds(finishedAt), id.rawValue])
        }
    }

    /// Finishes every run still `running` as `interrupted`, with `reason`. Only sound when
    /// the caller holds the instance lock: then no live process owns a running run, so
    /// each one was left by a process that died. Returns the runs it finished.
    public func interruptRunningRuns(at date: Date, reason: String) throws -> [RunRecord] {
        try pool.write { db in
            let running = try Self.runs(in: db, status: .running)
            // A clock set back since the run started must not break finished >= started.
            try db.execute(sql: """
                UPDATE run SET status = 'interrupted', error = ?, finished_at_ms = max(?, started_at_ms)
                WHERE status = 'running'
                """, arguments: [reason, Instant.milliseconds(date)])
            return running
        }
    }

    /// Runs, newest first, optionally only those of `job`, with `status`, or started at
    /// or after `since`.
    public func runs(job: String? = nil, status: RunStatus? = nil, since: Date? = nil,
                     limit: Int? = nil) throws -> [RunRecord] {
        try pool.read { db in try Self.runs(in: db, job: job, status: status, since: since, limit: limit) }
    }

    static func runs(in db: Database, job: String? = nil, status: RunStatus? = nil, since: Date? = nil,
                     limit: Int? = nil) throws -> [RunRecord] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT id, job, started_at_ms, finished_at_ms, status, error FROM run
            WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR job = ?2) AND (?3 IS NULL OR started_at_ms >= ?3)
            ORDER BY started_at_ms DESC, id DESC LIMIT ?4
            """, arguments: [status?.rawValue, job, since.map(Instant.milliseconds), limit ?? -1])
        return try rows.map { row in
            let id: Int64 = row["id"]
            let statusText: String = row["status"]
            guard let status = RunStatus(rawValue: statusText) else {
                throw LedgerError.corruptValue(table: "run", rowID: id, column: "status", value: statusText)
            }
            let finished: Int64? = row["finished_at_ms"]
            return RunRecord(id: RunID(rawValue: id), job: row["job"],
                             startedAt: Instant.date(row["started_at_ms"]),
                             finishedAt: finished.map(Instant.date), status: status, error: row["error"])
        }
    }

    static func runStatus(_ id: RunID, in db: Database) throws -> RunStatus {
        guard let text = try String.fetchOne(db, sql: "SELECT status FROM run WHERE id = ?",
                                             arguments: [id.rawValue]) else {
            throw LedgerError.unknownRun(id)
        }
        guard let status = RunStatus(rawValue: text) else {
            throw LedgerError.corruptValue(table: "run", rowID: id.rawValue, column: "status", value: text)
        }
        return status
    }

    /// Gives back the page caches and statement caches of every connection, without
    /// waiting for reads in progress.
    /// Called after each run: the next run reads its pages from the OS's file cache.
    public func releaseMemory() {
        pool.releaseMemoryEventually()
    }

    // MARK: scheduler bookkeeping

    /// Remembers the last scheduled instant a job fired for, so a restart neither
    /// repeats it nor silently skips a missed one.
    public func recordFire(job: String, scheduledAt: Date) throws {
        try pool.write { db in
            try db.execute(sql: """
                INSERT INTO job_fire (job, scheduled_at_ms) VALUES (?, ?)
                ON CONFLICT (job) DO UPDATE SET scheduled_at_ms = excluded.scheduled_at_ms
                """, arguments: [job, Instant.milliseconds(scheduledAt)])
        }
    }

    public func lastFire(job: String) throws -> Date? {
        try pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT scheduled_at_ms FROM job_fire WHERE job = ?", arguments: [job])
                .map(Instant.date)
        }
    }

    // MARK: housekeeping

    public func counts() throws -> LedgerCounts {
        try pool.read { db in
            func count(_ sql: String) throws -> Int { try Int.fetchOne(db, sql: sql) ?? 0 }
            return LedgerCounts(
                runs: try count("SELECT count(*) FROM run"),
                snapshots: try count("SELECT count(*) FROM snapshot"),
                snapshotTotals: try count("SELECT count(*) FROM snapshot_total"),
                orderIntervals: try count("SELECT count(*) FROM order_interval"),
                openOrderIntervals: try count(
                    "SELECT count(*) FROM order_interval WHERE closed_by_snapshot_id = \(OrderIntervalWriter.open)"))
        }
    }
}

extension SQLiteLedger: Ledger {
    public var location: String { path }
}
