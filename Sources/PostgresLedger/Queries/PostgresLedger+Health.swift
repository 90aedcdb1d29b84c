import Foundation
import Ledger
import PostgresNIO
import UnpaidCore

extension PostgresLedger {
    /// Failures of one job and organization, newest first.
    public func failures(job: String, organizationID: Int64, limit: Int) async throws -> [OrganizationFailure] {
        try await read { connection in
            try await Self.rows("""
                SELECT * FROM organization_failure WHERE job = \(job) AND organization_id = \(organizationID)
                ORDER BY id DESC LIMIT \(limit)
                """, on: connection, logger: logger).map {
                OrganizationFailure(runID: RunID(rawValue: try $0.value("run_id")), job: try $0.value("job"),
                                    organizationID: try $0.value("organization_id"), failedAt: try $0.value("failed_at"),
                                    stage: try $0.value("stage"), error: try $0.value("error"))
            }
        }
    }

    /// The health of watched series, read from one consistent state.
    public func seriesHealth(_ series: [WatchedSeries]) async throws -> [SeriesHealth] {
        try await consistentRead { connection in
            var healths: [SeriesHealth] = []
            for watched in series { healths.append(try await Self.health(of: watched, on: connection, logger: logger)) }
            return healths
        }
    }

    /// Success is the newest snapshot; failures count from the run after it. A series
    /// never watched reads as watched since its first attempt, or its newest snapshot.
    static func health(of series: WatchedSeries, on connection: PostgresConnection, logger: Logger) async throws -> SeriesHealth {
        let snapshot = try await rows("""
            SELECT s.id, s.run_id, s.fetched_at_ms FROM snapshot s JOIN series r ON r.id = s.series_id
            WHERE r.job = \(series.job) AND r.organization_id = \(series.organizationID) ORDER BY s.id DESC LIMIT 1
            """, on: connection, logger: logger).first
        let successRun = try snapshot?.value("run_id", as: Int64.self) ?? 0
        let failures = try await rows("""
            SELECT count(*) AS n, max(id) AS newest, min(failed_at) AS first_at FROM organization_failure
            WHERE job = \(series.job) AND organization_id = \(series.organizationID) AND run_id > \(successRun)
            """, on: connection, logger: logger)[0]
        let newest: PostgresRandomAccessRow?
        if let newestID = try failures.value("newest", as: Int64?.self) {
            newest = try await rows("SELECT failed_at, stage, error FROM organization_failure WHERE id = \(newestID)",
                                    on: connection, logger: logger).first
        } else {
            newest = nil
        }
        let watched = try await rows("""
            SELECT watched_since FROM series_watch WHERE job = \(series.job) AND organization_id = \(series.organizationID)
            """, on: connection, logger: logger).first?.value("watched_since", as: Int64.self)
        let lastSuccessAt = (try snapshot?.value("fetched_at_ms", as: Int64.self)).map { $0 / 1000 }
        let firstFailureAt = try failures.value("first_at", as: Int64?.self)
        return SeriesHealth(
            job: series.job, organizationID: series.organizationID,
            watchedSince: watched ?? [firstFailureAt, lastSuccessAt].compactMap { $0 }.min() ?? 0,
            lastSuccessAt: lastSuccessAt, lastSuccessSnapshotID: try snapshot?.value("id", as: Int64.self),
            consecutiveFailures: try failures.value("n", as: Int.self), lastFailureAt: try newest?.value("failed_at", as: Int64.self),
            lastError: try newest.map { "\(try $0.value("stage", as: String.self)): \(try $0.value("error", as: String.self))" })
    }
}
