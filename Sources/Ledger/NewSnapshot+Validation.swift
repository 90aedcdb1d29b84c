import OrderSpill
import UnpaidCore

extension NewSnapshot {
    /// Refuses a snapshot no backend may record: a malformed hash, a negative size, an
    /// empty name, or orders sorted for another organization. Both backends ask it first,
    /// so a bad snapshot fails the same way whatever the ledger.
    package func validate(orders: SortedOrders) throws {
        func invalid(_ reason: String) -> LedgerError {
            .invalidSnapshot(fileName: fileName.isEmpty ? "(unnamed file)" : fileName, reason: reason)
        }
        let hex = sha256.utf8
        guard hex.count == 64, hex.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
            throw invalid("sha256 must be 64 lowercase hex digits, got \"\(sha256)\"")
        }
        guard fileSize >= 0 else { throw invalid("file size \(fileSize) is negative") }
        guard !job.isEmpty else { throw invalid("the job name is empty") }
        guard !fileName.isEmpty else { throw invalid("the file name is empty") }
        guard !periodLabel.isEmpty else { throw invalid("the period label is empty") }
        guard !archivePath.isEmpty else { throw invalid("the archive path is empty") }
        guard orders.organizationID == organizationID else {
            throw LedgerError.orderOfOtherOrganization(
                orderNo: (try orders.makeCursor().current?.orderNoString) ?? "(none)",
                orderOrganizationID: orders.organizationID, snapshotOrganizationID: organizationID, fileName: fileName)
        }
    }
}
