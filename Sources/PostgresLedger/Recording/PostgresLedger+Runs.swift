import Foundation
import Ledger
import PostgresNIO
import UnpaidCore

/// Runs, the scheduler's fires and failures: the same rows and errors as `SQLiteLedger`.
extension PostgresLedger {
    public func startRun(job: String, startedAt: Date) async throws -> RunID {
        try await write { connection in
            let rows = try await connection.query("""
                INSERT INTO run (job, started_at_ms, status) VALUES (\(job), \(Instant.milliseconds(startedAt)), 'running')
                RETURNING id
                """, logger: logger)
            for try await id in rows.decode(Int64.self) {
                // Locked before the row commits, so no other process ever sees it unowned.
                try await PostgresRunOwnership.take(RunID(rawValue: id), on: runOwner, logger: logger)
                return RunID(rawValue: id)
            }
            throw PostgresLedgerError.invariantViolated(table: "run", constraint: nil,
                                                        detail: "starting a run of \(job) returned no id")
        }
    }

    public func finishRun(_ id: RunID, status: RunStatus, error: String?, finishedAt: Date) async throws {
        guard status != .running else { throw LedgerError.finishedAsRunning(id) }
        try await write { connection in
            let current = try await PostgresRunRows.status(of: id, lockingOn: connection, logger: logger)
            guard current == .running else { throw LedgerError.runNotRunning(id, status: current) }
            _ = try await connection.query("""
                UPDATE run SET status = \(status.rawValue), error = \(error), finished_at_ms = \(Instant.milliseconds(finishedAt))
                WHERE id = \(id.rawValue)
                """, logger: logger)
        }
        await PostgresRunOwnership.release(id, on: runOwner, logger: logger)
    }

    public func interruptRunningRuns(at date: Date, reason: String) async throws -> [RunRecord] {
        try await write { connection in
            // A clock set back since the run started must not break finished >= started. A run
            // whose owning session still holds its lock belongs to a live replica: left alone.
            let rows = try await connection.query("""
                UPDATE run SET status = 'interrupted', error = \(reason),
                       finished_at_ms = greatest(\(Instant.milliseconds(date)), started_at_ms)
                WHERE status = 'running'
                  AND pg_try_advisory_xact_lock(\(PostgresRunOwnership.lockClass), (id & 2147483647)::int4)
                RETURNING id, job, started_at_ms
                """, logger: logger)
            var interrupted: [RunRecord] = []
            for try await (id, job, startedAt) in rows.decode((Int64, String, Int64).self) {
                // Returned as they were before the update, as SQLite reads them first.
                interrupted.append(RunRecord(id: RunID(rawValue: id), job: job, startedAt: Instant.date(startedAt),
                                             finishedAt: nil, status: .running, error: nil))
            }
            return interrupted.sorted { ($0.startedAt, $0.id.rawValue) > ($1.startedAt, $1.id.rawValue) }
        }
    }

    public func recordFire(job: String, scheduledAt: Date) async throws {
        _ = try await write { connection in
            try await connection.query("""
                INSERT INTO job_fire (job, scheduled_at_ms) VALUES (\(job), \(Instant.milliseconds(scheduledAt)))
                ON CONFLICT (job) DO UPDATE SET scheduled_at_ms = excluded.scheduled_at_ms
                """, logger: logger)
        }
    }

    public func lastFire(job: String) async throws -> Date? {
        try await read { connection in
            let rows = try await connection.query("SELECT scheduled_at_ms FROM job_fire WHERE job = \(job)", logger: logger)
            for try await milliseconds in rows.decode(Int64.self) { return Instant.date(milliseconds) }
            return nil
        }
    }

    /// Records that an organization's attempt in a run recorded no snapshot. The error
    /// must already be masked: it is kept for years and quoted in failing alerts.
    public func recordFailure(_ failure: OrganizationFailure) async throws {
        _ = try await write { connection in
            try await connection.query("""
                INSERT INTO organization_failure (run_id, job, organization_id, failed_at, stage, error)
                VALUES (\(failure.runID.rawValue), \(failure.job), \(failure.organizationID), \(failure.failedAt),
                        \(failure.stage), \(failure.error.isEmpty ? "(no detail)" : failure.error))
                """, logger: logger)
        }
    }

    /// Whether a snapshot names `archivePath` as its file; asked only about the few files a
    /// crash left in flight, so no index serves it.
    public func isRecorded(archivePath: String) async throws -> Bool {
        try await read { connection in
            let rows = try await connection.query(
                "SELECT EXISTS (SELECT 1 FROM snapshot WHERE archive_path = \(archivePath))", logger: logger)
            for try await exists in rows.decode(Bool.self) { return exists }
            return false
        }
    }

    /// One REPEATABLE READ transaction, so the snapshot row, its totals and its
    /// reconciliation are read from one state.
    public func latestSnapshot(job: String, organizationID: Int64) async throws -> SnapshotRecord? {
        try await consistentRead { connection in
            try await PostgresSnapshotRows.records(where: """
                series.job = \(job) AND series.organization_id = \(organizationID) ORDER BY s.id DESC LIMIT 1
                """, on: connection, logger: logger).first
        }
    }

    /// The pool's connections keep nothing worth giving back between runs.
    public func releaseMemory() {}

    /// `body` in a read-only REPEATABLE READ transaction: every statement sees one state.
    func consistentRead<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        try await write { connection in
            _ = try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            return try await body(connection)
        }
    }
}

/// Reading `run` rows.
enum PostgresRunRows {
    /// The run's status, its row locked until the transaction ends so that finishing it
    /// and recording into it are decided on the same state.
    static func status(of id: RunID, lockingOn connection: PostgresConnection, logger: Logger) async throws -> RunStatus {
        let rows = try await connection.query("SELECT status, job FROM run WHERE id = \(id.rawValue) FOR UPDATE",
                                              logger: logger)
        for try await (text, _) in rows.decode((String, String).self) {
            guard let status = RunStatus(rawValue: text) else {
                throw LedgerError.corruptValue(table: "run", rowID: id.rawValue, column: "status", value: text)
            }
            return status
        }
        throw LedgerError.unknownRun(id)
    }
}
