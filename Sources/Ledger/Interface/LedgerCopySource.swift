/// A ledger read table by table, for copying it into another backend with every id kept
/// (`PostgresLedger.copy(from:)`, behind `unpaidd ledger copy`).
public protocol LedgerCopySource: Sendable {
    /// Up to `limit` rows of `table` in `orderedBy` order, starting after the row whose
    /// `orderedBy` values are `after` (nil: from the first row), each value as its text
    /// (integers in decimal, reals as Swift's shortest exact text), nil for NULL.
    ///
    /// `orderedBy` is the table's primary key, so `after` names one row and each page starts
    /// where the last ended by the key's index, however deep into the table (an offset would
    /// rescan every row before it). Table and column names come from the copier's fixed
    /// list, never from input.
    func copyRows(of table: String, columns: [String], orderedBy: [String], after: [String]?,
                  limit: Int) async throws -> [[String?]]
}
