extension LedgerRecording {
    /// A series of snapshots with every kind of move: new, gone, changed amount, changed
    /// currency, the same amount in other text, other fields, the same file again, and a
    /// second job. Snapshots 1 to 6; the fifth is the daily one.
    public func recordHistory() async throws {
        try await recordAlerting([order("A", "10.10"), order("B", "0.20"), order("C", "5", currency: "CNY")],
                                 shaSeed: 1, minute: 0)
        try await recordAlerting([order("A", "10.10"), order("B", "0.30"), order("D", "7"), order("C", "5", currency: "CNY")],
                                 shaSeed: 2, minute: 10)
        try await recordAlerting([order("A", "10.1"), order("B", "0.30", currency: "CNY"), order("D", "7", product: nil)],
                                 shaSeed: 3, minute: 20)
        try await recordAlerting([order("A", "10.1"), order("B", "0.30", currency: "CNY"), order("D", "7", product: nil)],
                                 shaSeed: 3, minute: 30)
        try await record([order("X", "1")], job: "daily", shaSeed: 9, minute: 35)
        try await recordAlerting([order("E", "-2.5")], shaSeed: 4, minute: 40)
    }
}

extension LedgerFixture {
    /// Removes `recordHistory`'s newest snapshot (6) and every row naming it, as someone
    /// holding the database would: a shorter chain that is consistent in itself.
    public func removeNewestSnapshotOfHistory() async throws {
        try await tamper("""
            DELETE FROM snapshot_chain WHERE snapshot_id = 6; DELETE FROM snapshot_change_order WHERE snapshot_id = 6;
            DELETE FROM snapshot_change WHERE snapshot_id = 6; DELETE FROM snapshot_diff WHERE snapshot_id = 6;
            UPDATE order_interval SET closed_by_snapshot_id = 9223372036854775807 WHERE closed_by_snapshot_id = 6;
            DELETE FROM order_interval WHERE first_snapshot_id = 6;
            DELETE FROM snapshot_total WHERE snapshot_id = 6; DELETE FROM snapshot WHERE id = 6
            """)
    }
}
