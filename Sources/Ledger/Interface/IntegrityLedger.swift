import Foundation
import OrderSpill
import UnpaidCore

/// Tamper evidence and the archive's bookkeeping.
public protocol IntegrityLedger: Sendable {
    /// The newest snapshot's chain hash; nil for an empty ledger.
    func chainHead() async throws -> ChainHead?
    /// Checks the chain, every snapshot's totals against its rebuilt order set, every
    /// interval and diff row, and lists the archived files for the caller to check.
    func verify(expectedHead: String?) async throws -> LedgerVerification
    /// Compares the recorded orders of a snapshot with `orders` read again from its file.
    func compareOrders(at id: SnapshotID, with orders: SortedOrders, listingAtMost limit: Int) async throws -> OrderComparison
    func archivedFiles(fetchedBefore cutoff: Date) async throws -> [ArchivedFile]
    func recordArchiveRemoval(_ id: SnapshotID, at date: Date, reason: String) async throws
}
