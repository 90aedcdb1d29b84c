import Foundation
import Testing
import UnpaidCore
import Ledger
import LedgerTestSupport

@Suite struct ChainTests {
    @Test(arguments: LedgerBackend.allCases)
    func everySnapshotIsChainedAndAnUntouchedLedgerVerifies(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            try await fixture.recordHistory()
            let verification = try await fixture.ledger.verify(expectedHead: nil)
            #expect(verification.problems == [])
            #expect(verification.snapshots == 6)
            let links = try await fixture.rowsBehindTheLedger(
                "SELECT snapshot_id, previous_hash, chain_hash FROM snapshot_chain ORDER BY snapshot_id")
            #expect(links.map { $0["snapshot_id"] } == ["1", "2", "3", "4", "5", "6"])
            #expect(links.first?["previous_hash"] == ChainedSnapshot.genesis)
            for (earlier, later) in zip(links, links.dropFirst()) { #expect(later["previous_hash"] == earlier["chain_hash"]) }
            #expect(verification.head == ChainHead(snapshotID: 6, hash: try #require(links.last?["chain_hash"])))
            #expect(try await fixture.ledger.chainHead() == verification.head)
        }
    }

    @Test(arguments: LedgerBackend.allCases)
    func chainRowsCannotBeRewrittenOrForkedThroughTheTriggers(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            try await fixture.recordHistory()
            for sql in ["UPDATE snapshot_chain SET chain_hash = previous_hash",
                        "DELETE FROM snapshot_chain WHERE snapshot_id = 6",
                        "INSERT INTO snapshot_chain VALUES (7, '\(ChainedSnapshot.genesis)', '\(ChainedSnapshot.genesis)')"] {
                await #expect(throws: SchemaRefusal.self, "\(sql)") { try await fixture.executeBehindTheLedger(sql) }
            }
        }
    }

    // MARK: tampering, each caught and named

    @Test(arguments: LedgerBackend.allCases)
    func anEditedTotalIsCaught(_ backend: LedgerBackend) async throws {
        let problems = try await tampered(backend, "UPDATE snapshot_total SET sum_text = '99.99' WHERE snapshot_id = 2 AND currency = 'USD'")
        #expect(problems.contains { $0.snapshotID?.rawValue == 2 && $0.table == "snapshot_total" && $0.detail.contains("99.99") })
        #expect(problems.contains { $0.snapshotID?.rawValue == 2 && $0.table == "snapshot_chain" })
    }

    @Test(arguments: LedgerBackend.allCases)
    func anEditedAmountIsCaught(_ backend: LedgerBackend) async throws {
        let problems = try await tampered(backend, "UPDATE order_interval SET amount_text = '0.31' WHERE order_no = 'D'")
        #expect(problems.contains { $0.snapshotID?.rawValue == 2 && $0.table == "snapshot_total" })
        #expect(problems.contains { $0.snapshotID?.rawValue == 2 && $0.table == "snapshot_chain" })
    }

    @Test(arguments: LedgerBackend.allCases)
    func anEditedClosingIsCaught(_ backend: LedgerBackend) async throws {
        // Order B's first interval (0.20) was closed by snapshot 2; say it stayed until 4.
        let problems = try await tampered(
            backend, "UPDATE order_interval SET closed_by_snapshot_id = 4 WHERE order_no = 'B' AND closed_by_snapshot_id = 2")
        #expect(problems.contains { $0.table == "order_interval" && $0.detail.contains("order B") })
        #expect(problems.contains { $0.snapshotID?.rawValue == 2 && $0.table == "snapshot_chain" })
    }

    @Test(arguments: LedgerBackend.allCases)
    func anEditedDiffRowIsCaught(_ backend: LedgerBackend) async throws {
        let problems = try await tampered(
            backend, "UPDATE snapshot_change SET after_sum_text = '1' WHERE snapshot_id = 2 AND currency = 'USD'")
        #expect(problems.contains {
            $0.snapshotID?.rawValue == 2 && $0.table == "snapshot_change" && $0.detail.contains("after_sum_text is 1")
        })
        let orders = try await tampered(backend, "DELETE FROM snapshot_change_order WHERE snapshot_id = 2 AND order_no = 'D'")
        #expect(orders.contains { $0.snapshotID?.rawValue == 2 && $0.table == "snapshot_change_order" && $0.detail.contains("new") })
    }

    @Test(arguments: LedgerBackend.allCases)
    func anEditedSnapshotRowIsCaught(_ backend: LedgerBackend) async throws {
        let problems = try await tampered(backend, "UPDATE snapshot SET file_size = 1 WHERE id = 3")
        #expect(problems == [VerificationProblem(snapshotID: SnapshotID(rawValue: 3), table: "snapshot_chain",
                                                 detail: problems.first?.detail ?? "")])
        #expect(problems.first?.detail.contains("something it recorded was changed") == true)
    }

    @Test(arguments: LedgerBackend.allCases)
    func aRemovedMiddleSnapshotBreaksTheChain(_ backend: LedgerBackend) async throws {
        let problems = try await tampered(backend, """
            DELETE FROM snapshot_chain WHERE snapshot_id = 5; DELETE FROM order_interval WHERE first_snapshot_id = 5;
            DELETE FROM snapshot_total WHERE snapshot_id = 5; DELETE FROM snapshot WHERE id = 5
            """)
        #expect(problems.map(\.table) == ["snapshot_chain"])
        #expect(problems.first?.snapshotID?.rawValue == 6)
    }

    @Test(arguments: LedgerBackend.allCases)
    func aRemovedNewestSnapshotIsCaughtAgainstAnOutsideHead(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            try await fixture.recordHistory()
            let head = try #require(try await fixture.ledger.verify(expectedHead: nil).head)
            let earlier = try #require(try await fixture.rowsBehindTheLedger(
                "SELECT chain_hash FROM snapshot_chain WHERE snapshot_id = 4").first?["chain_hash"])
            #expect(try await fixture.ledger.verify(expectedHead: earlier).problems == [],
                    "newer snapshots than a head copy are fine")
            try await fixture.removeNewestSnapshotOfHistory()
            #expect(try await fixture.ledger.verify(expectedHead: nil).problems == [],
                    "without a head copy the shorter chain is consistent")
            let problems = try await fixture.ledger.verify(expectedHead: head.hash).problems
            #expect(problems.count == 1)
            #expect(problems.first?.table == "snapshot_chain")
            #expect(problems.first?.detail.contains(head.hash) == true)
        }
    }

    /// The problems `verify` finds once `sql` has edited the recorded history.
    private func tampered(_ backend: LedgerBackend, _ sql: String) async throws -> [VerificationProblem] {
        try await LedgerFixture.with(backend) { fixture in
            try await fixture.recordHistory()
            #expect(try await fixture.ledger.verify(expectedHead: nil).problems == [])
            try await fixture.tamper(sql)
            let problems = try await fixture.ledger.verify(expectedHead: nil).problems
            #expect(!problems.isEmpty, "\(sql)")
            return problems
        }
    }
}
