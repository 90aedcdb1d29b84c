import Foundation
import GRDB
import Testing
import UnpaidCore
@testable import SQLiteLedger
import Ledger
import LedgerTestSupport

extension SQLiteFixture {
    /// A series of snapshots with every kind of move: new, gone, changed amount, changed
    /// currency, the same amount in other text, other fields, the same file again, and a
    /// second job.
    func recordHistory() throws {
        try recordAlerting([order("A", "10.10"), order("B", "0.20"), order("C", "5", currency: "CNY")], shaSeed: 1, minute: 0)
        try recordAlerting([order("A", "10.10"), order("B", "0.30"), order("D", "7"), order("C", "5", currency: "CNY")],
                           shaSeed: 2, minute: 10)
        try recordAlerting([order("A", "10.1"), order("B", "0.30", currency: "CNY"), order("D", "7", product: nil)],
                           shaSeed: 3, minute: 20)
        try recordAlerting([order("A", "10.1"), order("B", "0.30", currency: "CNY"), order("D", "7", product: nil)],
                           shaSeed: 3, minute: 30)
        try record([order("X", "1")], job: "daily", shaSeed: 9, minute: 35)
        try recordAlerting([order("E", "-2.5")], shaSeed: 4, minute: 40)
    }

    /// Runs SQL as someone holding the file would: a plain connection, triggers dropped.
    func tamper(_ sql: String) throws {
        let attacker = try DatabaseQueue(path: path)
        try attacker.write { db in
            for trigger in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger'") {
                try db.execute(sql: "DROP TRIGGER \(trigger)")
            }
            try db.execute(sql: sql)
        }
    }
}

@Suite struct ChainTests {
    @Test func everySnapshotIsChainedAndAnUntouchedLedgerVerifies() async throws {
        let fixture = try SQLiteFixture()
        try fixture.recordHistory()
        let verification = try fixture.ledger.verify()
        #expect(verification.problems == [])
        #expect(verification.snapshots == 6)
        let links = try fixture.ledger.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT snapshot_id, previous_hash, chain_hash FROM snapshot_chain ORDER BY snapshot_id")
        }
        #expect(links.map { $0[0] as Int64 } == [1, 2, 3, 4, 5, 6])
        #expect(links.first?[1] == ChainedSnapshot.genesis)
        for (earlier, later) in zip(links, links.dropFirst()) { #expect(later[1] as String == earlier[2] as String) }
        #expect(verification.head == ChainHead(snapshotID: 6, hash: links.last![2]))
        #expect(try fixture.ledger.chainHead() == verification.head)
    }

    @Test func chainRowsCannotBeRewrittenOrForkedThroughTheTriggers() async throws {
        let fixture = try SQLiteFixture()
        try fixture.recordHistory()
        for sql in ["UPDATE snapshot_chain SET chain_hash = previous_hash", "DELETE FROM snapshot_chain WHERE snapshot_id = 6",
                    "INSERT INTO snapshot_chain VALUES (7, '\(ChainedSnapshot.genesis)', '\(ChainedSnapshot.genesis)')"] {
            #expect(throws: DatabaseError.self, "\(sql)") { try fixture.ledger.pool.write { try $0.execute(sql: sql) } }
        }
    }

    @Test func aLedgerRecordedBeforeTheChainIsChainedOnUpgradeWithTheSameHashes() async throws {
        let fixture = try SQLiteFixture()
        try fixture.recordHistory()
        let recorded = try fixture.ledger.pool.read { try Row.fetchAll($0, sql: "SELECT * FROM snapshot_chain ORDER BY snapshot_id") }
        // Back to the v1/v2 schema: what a ledger of the previous release holds.
        let old = try DatabaseQueue(path: fixture.path)
        try await old.write { db in
            try db.execute(sql: """
                DROP TABLE snapshot_chain; DROP TABLE archive_removal;
                DELETE FROM grdb_migrations WHERE identifier = 'v4-snapshot-chain'
                """)
        }
        try old.close()
        let upgraded = try SQLiteLedger(path: fixture.path)
        let chained = try upgraded.pool.read { try Row.fetchAll($0, sql: "SELECT * FROM snapshot_chain ORDER BY snapshot_id") }
        #expect(chained == recorded)
        #expect(try upgraded.verify().problems == [])
    }

    @Test func aLedgerMigratedOnlyToV2IsChainedOnOpen() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-v2-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("ledger.sqlite").path
        let old = try DatabaseQueue(path: path)
        try LedgerSchema.migrator.migrate(old, upTo: "v2-alerts")
        try await old.write { db in
            try db.execute(sql: """
                INSERT INTO run (job, started_at_ms, finished_at_ms, status) VALUES ('monthly', 0, 1, 'succeeded');
                INSERT INTO series (id, job, organization_id) VALUES (1, 'monthly', 42);
                INSERT INTO snapshot (run_id, series_id, period_start, period_end, period_label, fetched_at_ms,
                                      file_name, file_size, sha256, archive_path, row_count)
                VALUES (1, 1, 0, 10, 'p', 0, 'f.xlsx', 1, '\(String(repeating: "ab", count: 32))', 'a/f.xlsx', 2);
                INSERT INTO snapshot_total VALUES (1, 'USD', 2, '3.5');
                INSERT INTO order_interval (series_id, order_no, currency, amount_text, first_snapshot_id)
                VALUES (1, 'A', 'USD', '1', 1), (1, 'B', 'USD', '2.5', 1);
                """)
        }
        try old.close()
        let ledger = try SQLiteLedger(path: path)
        let verification = try ledger.verify()
        #expect(verification.problems == [])
        #expect(verification.head?.snapshotID == 1)
    }

    // MARK: tampering, each caught and named

    @Test func anEditedTotalIsCaught() async throws {
        let problems = try tampered("UPDATE snapshot_total SET sum_text = '99.99' WHERE snapshot_id = 2 AND currency = 'USD'")
        #expect(problems.contains { $0.snapshotID?.rawValue == 2 && $0.table == "snapshot_total" && $0.detail.contains("99.99") })
        #expect(problems.contains { $0.snapshotID?.rawValue == 2 && $0.table == "snapshot_chain" })
    }

    @Test func anEditedAmountIsCaught() async throws {
        let problems = try tampered("UPDATE order_interval SET amount_text = '0.31' WHERE order_no = 'D'")
        #expect(problems.contains { $0.snapshotID?.rawValue == 2 && $0.table == "snapshot_total" })
        #expect(problems.contains { $0.snapshotID?.rawValue == 2 && $0.table == "snapshot_chain" })
    }

    @Test func anEditedClosingIsCaught() async throws {
        // Order B's first interval (0.20) was closed by snapshot 2; say it stayed until 4.
        let problems = try tampered("UPDATE order_interval SET closed_by_snapshot_id = 4 WHERE order_no = 'B' AND closed_by_snapshot_id = 2")
        #expect(problems.contains { $0.table == "order_interval" && $0.detail.contains("order B") })
        #expect(problems.contains { $0.snapshotID?.rawValue == 2 && $0.table == "snapshot_chain" })
    }

    @Test func anEditedDiffRowIsCaught() async throws {
        let problems = try tampered("UPDATE snapshot_change SET after_sum_text = '1' WHERE snapshot_id = 2 AND currency = 'USD'")
        #expect(problems.contains { $0.snapshotID?.rawValue == 2 && $0.table == "snapshot_change" && $0.detail.contains("after_sum_text is 1") })
        let orders = try tampered("DELETE FROM snapshot_change_order WHERE snapshot_id = 2 AND order_no = 'D'")
        #expect(orders.contains { $0.snapshotID?.rawValue == 2 && $0.table == "snapshot_change_order" && $0.detail.contains("new") })
    }

    @Test func anEditedSnapshotRowIsCaught() async throws {
        let problems = try tampered("UPDATE snapshot SET file_size = 1 WHERE id = 3")
        #expect(problems == [VerificationProblem(snapshotID: SnapshotID(rawValue: 3), table: "snapshot_chain",
                                                 detail: problems.first?.detail ?? "")])
        #expect(problems.first?.detail.contains("something it recorded was changed") == true)
    }

    @Test func aRemovedMiddleSnapshotBreaksTheChain() async throws {
        let problems = try tampered("""
            DELETE FROM snapshot_chain WHERE snapshot_id = 5; DELETE FROM order_interval WHERE first_snapshot_id = 5;
            DELETE FROM snapshot_total WHERE snapshot_id = 5; DELETE FROM snapshot WHERE id = 5
            """)
        #expect(problems.map(\.table) == ["snapshot_chain"])
        #expect(problems.first?.snapshotID?.rawValue == 6)
    }

    @Test func aRemovedNewestSnapshotIsCaughtAgainstAnOutsideHead() async throws {
        let fixture = try SQLiteFixture()
        try fixture.recordHistory()
        let head = try #require(try fixture.ledger.verify().head)
        let earlier = try await fixture.ledger.pool.read {
            try String.fetchOne($0, sql: "SELECT chain_hash FROM snapshot_chain WHERE snapshot_id = 4")!
        }
        #expect(try fixture.ledger.verify(expectedHead: earlier).problems == [], "newer snapshots than a head copy are fine")
        try fixture.tamper("""
            DELETE FROM snapshot_chain WHERE snapshot_id = 6; DELETE FROM snapshot_change_order WHERE snapshot_id = 6;
            DELETE FROM snapshot_change WHERE snapshot_id = 6; DELETE FROM snapshot_diff WHERE snapshot_id = 6;
            UPDATE order_interval SET closed_by_snapshot_id = 9223372036854775807 WHERE closed_by_snapshot_id = 6;
            DELETE FROM order_interval WHERE first_snapshot_id = 6;
            DELETE FROM snapshot_total WHERE snapshot_id = 6; DELETE FROM snapshot WHERE id = 6
            """)
        #expect(try fixture.ledger.verify().problems == [], "without a head copy the shorter chain is consistent")
        let problems = try fixture.ledger.verify(expectedHead: head.hash).problems
        #expect(problems.count == 1)
        #expect(problems.first?.table == "snapshot_chain")
        #expect(problems.first?.detail.contains(head.hash) == true)
    }

    private func tampered(_ sql: String) throws -> [VerificationProblem] {
        let fixture = try SQLiteFixture()
        try fixture.recordHistory()
        #expect(try fixture.ledger.verify().problems == [])
        try fixture.tamper(sql)
        let problems = try fixture.ledger.verify().problems
        #expect(!problems.isEmpty, "\(sql)")
        return problems
    }
}
