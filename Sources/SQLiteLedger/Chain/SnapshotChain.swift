import Crypto
import Foundation
import GRDB
import Ledger
import UnpaidCore

/// Writes and reads the `snapshot_chain` rows.
enum SnapshotChain {
    static func head(in db: Database) throws -> ChainHead? {
        try Row.fetchOne(db, sql: "SELECT snapshot_id, chain_hash FROM snapshot_chain ORDER BY snapshot_id DESC LIMIT 1")
            .map { ChainHead(snapshotID: $0[0], hash: $0[1]) }
    }

    /// Links snapshot `id`, just written in this transaction, to the head.
    @discardableResult
    static func append(_ id: SnapshotID, digests: IntervalDigests, in db: Database) throws -> ChainHead {
        guard let snapshot = try ChainedSnapshot.load(id.rawValue, in: db) else { throw LedgerError.unknownSnapshot(id) }
        let previous = try head(in: db)?.hash ?? ChainedSnapshot.genesis
        let hash = Hex.string(snapshot.chainHash(previous: Hex.sha256(previous)!, digests: digests))
        try db.execute(sql: "INSERT INTO snapshot_chain (snapshot_id, previous_hash, chain_hash) VALUES (?, ?, ?)",
                       arguments: [id.rawValue, previous, hash])
        return ChainHead(snapshotID: id.rawValue, hash: hash)
    }

    /// Chains, in id order, the snapshots recorded before the chain existed (run by the
    /// migration that adds it): their digests come from the stored intervals.
    static func chainUnchainedSnapshots(in db: Database) throws {
        let lastChained = try Int64.fetchOne(db, sql: "SELECT max(snapshot_id) FROM snapshot_chain") ?? 0
        let unchained = try Int64.fetchAll(db, sql: "SELECT id FROM snapshot WHERE id > ? ORDER BY id", arguments: [lastChained])
        guard !unchained.isEmpty else { return }
        var digests: [Int64: IntervalDigests] = [:]
        for seriesID in try Int64.fetchAll(db, sql: "SELECT DISTINCT series_id FROM snapshot WHERE id > ?",
                                           arguments: [lastChained]) {
            var collector = DigestCollector()
            try SeriesIntervalWalk.run(seriesID: seriesID, in: db) { collector.add($0.fields) }
            digests.merge(collector.finalize()) { first, _ in first }
        }
        for id in unchained {
            try append(SnapshotID(rawValue: id), digests: digests[id] ?? .none, in: db)
        }
    }
}

extension ChainedSnapshot {
    static func load(_ id: Int64, in db: Database) throws -> ChainedSnapshot? {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT s.id, s.run_id, s.series_id, series.job, series.organization_id, s.period_start, s.period_end,
                   s.period_label, s.fetched_at_ms, s.file_name, s.file_size, s.sha256, s.archive_path, s.row_count
            FROM snapshot s LEFT JOIN series ON series.id = s.series_id WHERE s.id = ?
            """, arguments: [id]) else { return nil }
        let totals = try Row.fetchAll(db, sql: """
            SELECT currency, order_count, sum_text FROM snapshot_total WHERE snapshot_id = ?
            """, arguments: [id]).map { StoredTotal(currency: $0[0], orderCount: $0[1], sumText: $0[2]) }
        return ChainedSnapshot(
            id: row[0], runID: row[1], seriesID: row[2], job: row[3] ?? "", organizationID: row[4] ?? 0,
            periodStart: row[5], periodEnd: row[6], periodLabel: row[7], fetchedAtMilliseconds: row[8],
            fileName: row[9], fileSize: row[10], sha256: row[11], archivePath: row[12], rowCount: row[13],
            totals: totals)
    }
}

extension SQLiteLedger {
    /// The newest link of the snapshot chain; nil while the ledger has no snapshot.
    public func chainHead() throws -> ChainHead? {
        try pool.read { try SnapshotChain.head(in: $0) }
    }
}
