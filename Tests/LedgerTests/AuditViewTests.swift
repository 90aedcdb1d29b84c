import Foundation
import Testing
import Ledger
import LedgerTestSupport

/// The views BI tools read, with the same columns and meaning on every backend.
@Suite struct AuditViewTests {
    @Test(arguments: LedgerBackend.allCases)
    func theOrderSetViewIsTheSetOfEverySnapshot(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            var snapshots: [SnapshotRecord] = []
            snapshots.append(try await fixture.record([order("A", "1"), order("B", "2")], shaSeed: 1, minute: 0))
            snapshots.append(try await fixture.record([order("A", "1.5"), order("C", "3")], shaSeed: 2, minute: 1))
            snapshots.append(try await fixture.record([order("A", "1.5"), order("C", "3")], shaSeed: 2, minute: 2))
            snapshots.append(try await fixture.record([], shaSeed: 3, minute: 3))
            for snapshot in snapshots {
                let viewed = try await fixture.rowsBehindTheLedger("""
                    SELECT order_no, amount_text FROM audit_snapshot_order WHERE snapshot_id = \(snapshot.id.rawValue)
                    ORDER BY order_no
                    """)
                var listed: [AuditOrder] = []
                _ = try await fixture.ledger.auditOrders(at: snapshot.id, ageAt: nil) { listed.append($0) }
                #expect(viewed.map { $0["order_no"]! + "=" + $0["amount_text"]! }
                            == listed.map { $0.order.orderNo + "=" + $0.order.totalPrice.description })
            }
            let empty = try await fixture.rowsBehindTheLedger("""
                SELECT currency, order_count, sum_text FROM audit_snapshot_total WHERE snapshot_id = \(snapshots[3].id.rawValue)
                """)
            #expect(empty == [["order_count": "0", "sum_text": "0"]], "one row, currency NULL")
        }
    }
}
