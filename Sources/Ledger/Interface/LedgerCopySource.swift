/// A ledger read table by table, for copying it into another backend with every id kept
/// (`PostgresLedger.copy(from:)`, the seed of `unpaidd ledger copy`).
public protocol LedgerCopySource: Sendable {
    /// Up to `limit` rows of `table` after the first `offset` rows in `orderedBy` order,
    /// each value as its text (integers in decimal, reals as Swift's shortest exact text),
    /// nil for NULL. Table and column names come from the copier's fixed list, never from input.
    func copyRows(of table: String, columns: [String], orderedBy: [String], offset: Int,
                  limit: Int) async throws -> [[String?]]
}
