import Foundation
import Testing
import UnpaidCore
import Ledger
import LedgerTestSupport

@Suite struct IntervalDiffTests {
    /// The diff walks orders and stored intervals in byte order: order numbers that share
    /// more than the 16 bytes the sort keys on, that Swift's String order puts elsewhere,
    /// or that are canonically equal Unicode but different bytes must all stay distinct.
    @Test(arguments: LedgerBackend.allCases)
    func orderNumbersAreMatchedByTheirBytes(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let numbers = ["ORDER-2026-11-22-000001", "ORDER-2026-11-22-000002", "ORDER-2026-11-22-00000",
                           "ORDER-2026-11-22-0000010", "Z", "a", "é", "e\u{301}", "ORDER-2026-11", "ORDER-2026-11-22-000001x"]
            let first = numbers.enumerated().map { order($1, "\($0).5") }
            try await fixture.record(first, shaSeed: 1, minute: 0)
            var second = first.reversed().filter { $0.orderNo != "Z" }
            second[0].totalPrice = try Money("99")          // changed
            second.append(order("ORDER-2026-11-22-000003", "3"))  // new
            let recorded = try await fixture.record(second, shaSeed: 2, minute: 1)
            let listed = try await fixture.ledger.orders(at: recorded.id)
            #expect(listed.map(\.orderNo)
                        == second.map(\.orderNo).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
            #expect(listed.sorted(by: Self.byBytes) == second.sorted(by: Self.byBytes))
            // 10 first, then the changed one and the new one; "Z" and the old version closed.
            #expect(try await fixture.ledger.counts().orderIntervals == 12)
            #expect(try await fixture.ledger.counts().openOrderIntervals == 10)
            let again = try await fixture.record(second.shuffled(), shaSeed: 3, minute: 2)
            #expect(try await fixture.ledger.counts().orderIntervals == 12)
            #expect(try await fixture.ledger.orders(at: again.id).sorted(by: Self.byBytes) == second.sorted(by: Self.byBytes))
        }
    }

    @Test(arguments: LedgerBackend.allCases)
    func canonicallyEqualOrderNumbersAreNotDuplicates(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let recorded = try await fixture.record([order("é", "1"), order("e\u{301}", "2")], shaSeed: 1, minute: 0)
            #expect(try await fixture.ledger.orders(at: recorded.id).count == 2)
        }
    }

    @Test(arguments: LedgerBackend.allCases)
    func closingIsOnlyByALaterSnapshotOfTheSameSeries(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            try await fixture.record([order("A", "1")], organizationID: 42, shaSeed: 1, minute: 0)
            try await fixture.record([order("B", "1", organizationID: 43)], organizationID: 43, shaSeed: 2, minute: 1)
            for sql in ["UPDATE order_interval SET closed_by_snapshot_id = 2 WHERE order_no = 'A'",  // other series
                        "UPDATE order_interval SET closed_by_snapshot_id = 9 WHERE order_no = 'A'",  // no such snapshot
                        // an interval must start at a snapshot of its own series
                        """
                        INSERT INTO order_interval (series_id, order_no, currency, amount_text, first_snapshot_id)
                        VALUES (1, 'C', 'USD', '1', 2)
                        """] {
                await #expect(throws: SchemaRefusal.self, "\(sql)") { try await fixture.executeBehindTheLedger(sql) }
            }
        }
    }

    private static func byBytes(_ a: UnpaidOrder, _ b: UnpaidOrder) -> Bool {
        Array(a.orderNo.utf8).lexicographicallyPrecedes(Array(b.orderNo.utf8))
    }
}
