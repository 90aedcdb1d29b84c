import Foundation
import Ledger
import PostgresNIO
import UnpaidCore

extension PostgresLedger {
    /// Archived files of snapshots fetched before `cutoff`, oldest first, including those
    /// whose removal is already recorded.
    public func archivedFiles(fetchedBefore cutoff: Date) async throws -> [ArchivedFile] {
        try await read { connection in
            try await Self.rows("""
                SELECT s.id, series.organization_id, s.archive_path, s.file_size, s.sha256, r.removed_at_ms, r.reason
                FROM snapshot s JOIN series ON series.id = s.series_id
                LEFT JOIN archive_removal r ON r.snapshot_id = s.id
                WHERE s.fetched_at_ms < \(Instant.milliseconds(cutoff)) ORDER BY s.id
                """, on: connection, logger: logger).map(ArchivedFile.init(row:))
        }
    }

    /// Records that retention removes snapshot `id`'s file, before it goes; recording it
    /// twice keeps the first record.
    public func recordArchiveRemoval(_ id: SnapshotID, at date: Date, reason: String) async throws {
        _ = try await write { connection in
            try await connection.query("""
                INSERT INTO archive_removal (snapshot_id, removed_at_ms, reason)
                VALUES (\(id.rawValue), \(Instant.milliseconds(date)), \(reason))
                ON CONFLICT (snapshot_id) DO NOTHING
                """, logger: logger)
        }
    }

    /// The newest link of the snapshot chain; nil while the ledger has no snapshot.
    public func chainHead() async throws -> ChainHead? {
        try await read { connection in
            try await Self.rows("SELECT snapshot_id, chain_hash FROM snapshot_chain ORDER BY snapshot_id DESC LIMIT 1",
                                on: connection, logger: logger).first.map {
                ChainHead(snapshotID: try $0.value("snapshot_id"), hash: try $0.value("chain_hash"))
            }
        }
    }
}

extension ArchivedFile {
    init(row: PostgresRandomAccessRow) throws {
        let removedAt = try row.value("removed_at_ms", as: Int64?.self)
        self.init(snapshotID: SnapshotID(rawValue: try row.value("id")), organizationID: try row.value("organization_id"),
                  path: try row.value("archive_path"), size: try row.value("file_size"), sha256: try row.value("sha256"),
                  removal: try removedAt.map { ArchiveRemoval(removedAtMilliseconds: $0, reason: try row.value("reason")) })
    }
}
