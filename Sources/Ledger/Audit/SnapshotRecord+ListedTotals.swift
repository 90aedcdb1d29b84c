import UnpaidCore

extension SnapshotRecord {
    /// Checks the totals of the orders listed for this snapshot against the recorded ones.
    /// - Throws: `AuditError.ordersDisagreeWithTotals` for the first currency (in order)
    ///   whose listed total differs.
    package func checkListedTotals(_ listed: [String: Total]) throws(AuditError) {
        for currency in Set(listed.keys).union(totals.keys).sorted() {
            let recorded = totals[currency] ?? Total(), found = listed[currency] ?? Total()
            guard recorded == found else {
                throw AuditError.ordersDisagreeWithTotals(snapshot: id, currency: currency, recorded: recorded,
                                                          listed: found)
            }
        }
    }
}
