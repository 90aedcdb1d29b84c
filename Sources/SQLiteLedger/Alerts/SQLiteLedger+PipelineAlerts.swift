import GRDB
import Ledger
import UnpaidCore

extension SQLiteLedger {
    /// Records that an organization's attempt in a run recorded no snapshot. The error
    /// must already be masked: it is kept for years and quoted in failing alerts.
    public func recordFailure(_ failure: OrganizationFailure) throws {
        try pool.write { db in
            try db.execute(sql: """
                INSERT INTO organization_failure (run_id, job, organization_id, failed_at, stage, error)
                VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [failure.runID.rawValue, failure.job, failure.organizationID, failure.failedAt,
                                 failure.stage, failure.error.isEmpty ? "(no detail)" : failure.error])
        }
    }

    /// Failures of one job and organization, newest first.
    public func failures(job: String, organizationID: Int64, limit: Int = 100) throws -> [OrganizationFailure] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM organization_failure WHERE job = ? AND organization_id = ? ORDER BY id DESC LIMIT ?
                """, arguments: [job, organizationID, limit]).map {
                OrganizationFailure(runID: RunID(rawValue: $0["run_id"]), job: $0["job"], organizationID: $0["organization_id"],
                                    failedAt: $0["failed_at"], stage: $0["stage"], error: $0["error"])
            }
        }
    }

    /// Evaluates the pipeline rules for `series` in ONE transaction: starts watching
    /// series seen for the first time (at `now`), reads their health and the stored
    /// pipeline alerts, stores the states `alerting` returns and queues its deliveries,
    /// as part of `runID` when the evaluation follows a run.
    @discardableResult
    public func evaluatePipelineAlerts(_ series: [WatchedSeries], now: Int64, runID: RunID? = nil,
                                       alerting: (PipelineAlertingInput) throws -> AlertingPlan) throws -> AlertingPlan {
        try pool.write { db in
            var healths: [SeriesHealth] = []
            for watched in series {
                try db.execute(sql: """
                    INSERT INTO series_watch (job, organization_id, watched_since) VALUES (?, ?, ?)
                    ON CONFLICT (job, organization_id) DO NOTHING
                    """, arguments: [watched.job, watched.organizationID, now])
                healths.append(try Self.health(of: watched, in: db))
            }
            let states = try Row.fetchAll(db, sql: """
                SELECT * FROM alert_state WHERE currency IS NULL ORDER BY identity_key
                """).map(Self.alertState)
            let plan = try alerting(PipelineAlertingInput(series: healths, states: states))
            for state in plan.states { try Self.upsert(state, in: db) }
            for delivery in plan.deliveries { _ = try Self.enqueue(delivery, at: plan.now, runID: runID, in: db) }
            return plan
        }
    }

    /// The health of watched series, without evaluating anything (for the next deadline).
    public func seriesHealth(_ series: [WatchedSeries]) throws -> [SeriesHealth] {
        try pool.read { db in try series.map { try Self.health(of: $0, in: db) } }
    }

    /// Success is the newest snapshot; failures count from the run after it (run ids
    /// only grow, whatever the wall clock did). A series never watched reads as watched
    /// since its first attempt, or its newest snapshot.
    static func health(of series: WatchedSeries, in db: Database) throws -> SeriesHealth {
        let snapshot = try Row.fetchOne(db, sql: """
            SELECT s.id, s.run_id, s.fetched_at_ms FROM snapshot s JOIN series r ON r.id = s.series_id
            WHERE r.job = ? AND r.organization_id = ? ORDER BY s.id DESC LIMIT 1
            """, arguments: [series.job, series.organizationID])
        let successRun: Int64 = snapshot?["run_id"] ?? 0
        let failures = try Row.fetchOne(db, sql: """
            SELECT count(*) AS n, max(id) AS newest, min(failed_at) AS first_at FROM organization_failure
            WHERE job = ? AND organization_id = ? AND run_id > ?
            """, arguments: [series.job, series.organizationID, successRun])
        let newestID: Int64? = failures?["newest"]
        let newest = try newestID.flatMap {
            try Row.fetchOne(db, sql: "SELECT failed_at, stage, error FROM organization_failure WHERE id = ?", arguments: [$0])
        }
        let watched = try Int64.fetchOne(db, sql: """
            SELECT watched_since FROM series_watch WHERE job = ? AND organization_id = ?
            """, arguments: [series.job, series.organizationID])
        let lastSuccessAt = (snapshot?["fetched_at_ms"] as Int64?).map { $0 / 1000 }
        let firstFailureAt: Int64? = failures?["first_at"]
        return SeriesHealth(
            job: series.job, organizationID: series.organizationID,
            watchedSince: watched ?? [firstFailureAt, lastSuccessAt].compactMap { $0 }.min() ?? 0,
            lastSuccessAt: lastSuccessAt, lastSuccessSnapshotID: snapshot?["id"],
            consecutiveFailures: failures?["n"] ?? 0, lastFailureAt: newest?["failed_at"],
            lastError: newest.map { "\($0["stage"] as String): \($0["error"] as String)" })
    }
}
