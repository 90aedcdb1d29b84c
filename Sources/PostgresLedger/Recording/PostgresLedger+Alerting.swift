import Foundation
import Ledger
import PostgresNIO
import UnpaidCore

/// Alerts decided outside a snapshot's recording, as `SQLiteLedger` stores them. Alert
/// states are read, decided on and written back: SQLite's single writer makes that atomic,
/// here the chain's lock does (every snapshot with alerting holds it too), and the
/// notifications then carry the head as it stands.
extension PostgresLedger {
    /// Records alert states and outbox rows decided after a snapshot was recorded (the
    /// mismatch rule is decided once the whole run's reconciliations are known), in one
    /// transaction. `alerting` gets the stored alerts of the job and organization.
    /// - Returns: the deliveries actually added.
    @discardableResult
    public func recordAlerts(job: String, organizationID: Int64,
                             alerting: ([AlertState]) throws -> AlertingPlan) async throws -> Int {
        try await write { connection in
            try await PostgresSnapshotChain.lock(on: connection, logger: logger)
            let states = try await PostgresAlertRows.states(job: job, organizationID: organizationID,
                                                            on: connection, logger: logger)
            return try await Self.store(try alerting(states), runID: nil, on: connection, logger: logger)
        }
    }

    /// Evaluates the pipeline rules for `series` in ONE transaction: starts watching series
    /// seen for the first time (at `now`), reads their health and the stored pipeline
    /// alerts, stores the states `alerting` returns and queues its deliveries, as part of
    /// `runID` when the evaluation follows a run.
    @discardableResult
    public func evaluatePipelineAlerts(_ series: [WatchedSeries], now: Int64, runID: RunID?,
                                       alerting: (PipelineAlertingInput) throws -> AlertingPlan) async throws -> AlertingPlan {
        try await write { connection in
            try await PostgresSnapshotChain.lock(on: connection, logger: logger)
            var healths: [SeriesHealth] = []
            for watched in series {
                _ = try await connection.query("""
                    INSERT INTO series_watch (job, organization_id, watched_since)
                    VALUES (\(watched.job), \(watched.organizationID), \(now))
                    ON CONFLICT (job, organization_id) DO NOTHING
                    """, logger: logger)
                healths.append(try await Self.health(of: watched, on: connection, logger: logger))
            }
            let states = try await Self.rows("SELECT * FROM alert_state WHERE currency IS NULL ORDER BY identity_key",
                                             on: connection, logger: logger).map(PostgresAlertRows.state)
            let plan = try alerting(PipelineAlertingInput(series: healths, states: states))
            _ = try await Self.store(plan, runID: runID, on: connection, logger: logger)
            return plan
        }
    }
}
