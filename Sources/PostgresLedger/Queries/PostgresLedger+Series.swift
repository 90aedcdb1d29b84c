import Foundation
import Ledger
import PostgresNIO
import UnpaidCore

/// Lookups about one series that several audit queries share.
extension PostgresLedger {
    static func seriesID(of snapshot: SnapshotID, on connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        guard let row = try await rows("SELECT series_id FROM snapshot WHERE id = \(snapshot.rawValue)",
                                       on: connection, logger: logger).first else {
            throw LedgerError.unknownSnapshot(snapshot)
        }
        return try row.value("series_id")
    }

    /// The one series of the organization (and job, when given).
    /// - Throws: `AuditError.noSeries`, `.ambiguousSeries`.
    static func series(organizationID: Int64, job: String?, on connection: PostgresConnection,
                       logger: Logger) async throws -> (id: Int64, job: String) {
        // A job PostgreSQL cannot store names no series (SQLite would find none either).
        guard PostgresText.canStore(job) else { throw AuditError.noSeries(organizationID: organizationID, job: job) }
        let found = try await rows("""
            SELECT id, job FROM series WHERE organization_id = \(organizationID) AND (\(job)::text IS NULL OR job = \(job))
            ORDER BY job
            """, on: connection, logger: logger)
        guard let first = found.first else { throw AuditError.noSeries(organizationID: organizationID, job: job) }
        guard found.count == 1 else {
            throw AuditError.ambiguousSeries(organizationID: organizationID, jobs: try found.map { try $0.value("job") })
        }
        return (try first.value("id"), try first.value("job"))
    }

    /// When each snapshot of the series was fetched: a series has one per run, a few thousand at most.
    static func fetchTimes(seriesID: Int64, on connection: PostgresConnection, logger: Logger) async throws -> [Int64: Date] {
        var times: [Int64: Date] = [:]
        let rows = try await connection.query("SELECT id, fetched_at_ms FROM snapshot WHERE series_id = \(seriesID)",
                                              logger: logger)
        for try await (id, fetchedAt) in rows.decode((Int64, Int64).self) { times[id] = Instant.date(fetchedAt) }
        return times
    }
}

/// What PostgreSQL's `text` can hold: any UTF-8 but the NUL character. A filter value
/// holding NUL matches no stored row, as on SQLite, instead of failing the query.
enum PostgresText {
    static func canStore(_ text: String?) -> Bool {
        text.map { !$0.utf8.contains(0) } ?? true
    }
}
