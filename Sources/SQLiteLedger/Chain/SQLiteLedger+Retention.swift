import Foundation
import GRDB
import Ledger

extension SQLiteLedger {
    /// Archived files of snapshots fetched before `cutoff`, oldest first, including those
    /// whose removal is already recorded (retention removes such a file again if a crash
    /// left it behind).
    public func archivedFiles(fetchedBefore cutoff: Date) throws -> [ArchivedFile] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT s.id, series.organization_id, s.archive_path, s.file_size, s.sha256, r.removed_at_ms, r.reason
                FROM snapshot s JOIN series ON series.id = s.series_id
                LEFT JOIN archive_removal r ON r.snapshot_id = s.id
                WHERE s.fetched_at_ms < ? ORDER BY s.id
                """, arguments: [Instant.milliseconds(cutoff)]).map(ArchivedFile.init(row:))
        }
    }

    /// Records that retention removes the archived file of snapshot `id`, before the file
    /// goes: a crash in between leaves a recorded removal and a file, never a missing
    /// file that `verify` would report. Recording it twice keeps the first record.
    public func recordArchiveRemoval(_ id: SnapshotID, at date: Date, reason: String) throws {
        try pool.write { db in
            try db.execute(sql: """
                INSERT INTO archive_removal (snapshot_id, removed_at_ms, reason) VALUES (?, ?, ?)
                ON CONFLICT (snapshot_id) DO NOTHING
                """, arguments: [id.rawValue, Instant.milliseconds(date), reason])
        }
    }
}

extension ArchivedFile {
    /// Columns: snapshot id, organization, archive path, size, sha256, removed_at_ms, reason.
    init(row: Row) {
        let removedAt: Int64? = row[5]
        self.init(snapshotID: SnapshotID(rawValue: row[0]), organizationID: row[1] ?? 0, path: row[2], size: row[3],
                  sha256: row[4], removal: removedAt.map { ArchiveRemoval(removedAtMilliseconds: $0, reason: row[6]) })
    }
}
