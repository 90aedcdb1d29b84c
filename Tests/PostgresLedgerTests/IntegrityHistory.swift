import Foundation
import Ledger
import LedgerTestSupport

extension LedgerFixture {
    /// ChainTests' history (snapshots 1–4 and 6 of job monthly, 4 the same file as 3, 5 of
    /// job daily; order B changes amount at 2 and currency at 3, D arrives at 2, everything
    /// but E leaves at 6), then snapshot 1's file removed by retention.
    func recordIntegrityHistory() async throws {
        try await recordHistory()
        try await ledger.recordArchiveRemoval(SnapshotID(rawValue: 1), at: LedgerFixture.base.addingTimeInterval(3_600),
                                              reason: "retention 400d")
    }
}

extension LedgerVerification {
    /// Everything verify reports, for comparing the two backends' answers.
    var summary: String {
        """
        snapshots \(snapshots), intervals \(orderIntervals), current \(currentOrders), head \(head.map(\.description) ?? "none"), \
        expected at \(expectedHeadSnapshot.map { String($0.rawValue) } ?? "none")
        \(archivedFiles.map { "\($0)" }.joined(separator: "\n"))
        \(problems.map(\.description).joined(separator: "\n"))
        """
    }
}
