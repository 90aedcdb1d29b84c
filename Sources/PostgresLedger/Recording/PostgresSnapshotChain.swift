import Ledger
import PostgresNIO
import UnpaidCore

/// Appends `snapshot_chain` rows, as SQLite's `SnapshotChain.append` does: the same hash of
/// the same stored values and interval digests, so a copied ledger verifies on either backend.
enum PostgresSnapshotChain {
    /// Held until the transaction ends by whoever records a snapshot or alerts on the chain's
    /// head: replicas then append one link at a time, and snapshot ids are allocated in
    /// chain order (the lock is taken before the snapshot row is inserted).
    static func lock(on connection: PostgresConnection, logger: Logger) async throws {
        let rows = try await connection.query("SELECT pg_advisory_xact_lock(\(PostgresSchema.chainLockKey))",
                                              logger: logger)
        for try await _ in rows {}
    }

    /// Links `snapshot`, just inserted in this transaction under ``lock(on:logger:)``, to the head.
    @discardableResult
    static func append(_ snapshot: ChainedSnapshot, digests: IntervalDigests, on connection: PostgresConnection,
                       logger: Logger) async throws -> ChainHead {
        let head = try await PostgresLedger.rows(
            "SELECT chain_hash FROM snapshot_chain ORDER BY snapshot_id DESC LIMIT 1", on: connection, logger: logger)
        let previous = try head.first?.value("chain_hash", as: String.self) ?? ChainedSnapshot.genesis
        guard let previousBytes = Hex.sha256(previous) else {
            throw LedgerError.corruptValue(table: "snapshot_chain", rowID: snapshot.id, column: "chain_hash",
                                           value: previous)
        }
        let hash = Hex.string(snapshot.chainHash(previous: previousBytes, digests: digests))
        _ = try await connection.query("""
            INSERT INTO snapshot_chain (snapshot_id, previous_hash, chain_hash) VALUES (\(snapshot.id), \(previous), \(hash))
            """, logger: logger)
        return ChainHead(snapshotID: snapshot.id, hash: hash)
    }
}
