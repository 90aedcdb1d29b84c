import Foundation
import GRDB
import Testing
@testable import SQLiteLedger
import Ledger
import LedgerTestSupport

/// Ledger files of earlier releases, opened by this one: each migration keeps what they
/// recorded, ids and rules included.
@Suite struct SQLiteMigrationTests {
    /// Migration "v3-run-interrupted" rebuilds the run table.
    @Test func aLedgerFromTheV2SchemaKeepsItsRunsIdsAndRulesAfterTheRebuild() async throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "ledger-v2-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appending(path: "ledger.sqlite").path
        do {
            let old = try DatabasePool(path: path)
            try LedgerSchema.migrator.migrate(old, upTo: "v2-alerts")
            try await old.write { db in
                try db.execute(sql: """
                    INSERT INTO run (job, started_at_ms, finished_at_ms, status, error) VALUES ('daily', 1000, 2000, 'succeeded', NULL);
                    INSERT INTO run (job, started_at_ms, status) VALUES ('daily', 3000, 'running');
                    INSERT INTO run (job, started_at_ms, finished_at_ms, status, error) VALUES ('daily', 4000, 4500, 'failed', 'org 1: HTTP 503');
                    INSERT INTO series (job, organization_id) VALUES ('daily', 1);
                    INSERT INTO snapshot (run_id, series_id, period_start, period_end, period_label, fetched_at_ms,
                                          file_name, file_size, sha256, archive_path, row_count)
                    VALUES (2, 1, 0, 86400, '1970-01-01_1970-01-02', 3500, 'f.xlsx', 10, '\(String(repeating: "ab", count: 32))',
                            'archive/1/f.xlsx', 0);
                    -- The newest run was never deleted, but the counter must survive even if it were above max(id).
                    UPDATE sqlite_sequence SET seq = 7 WHERE name = 'run';
                    """)
            }
        }
        let ledger = try SQLiteLedger(path: path)
        let runs = try ledger.runs()
        #expect(runs.map(\.id.rawValue) == [3, 2, 1])
        #expect(runs.map(\.status) == [.failed, .running, .succeeded])
        #expect(runs.first?.error == "org 1: HTTP 503")
        #expect(try ledger.history().map(\.runStatus) == [.running])

        let interrupted = try ledger.interruptRunningRuns(at: Date(timeIntervalSince1970: 10), reason: "interrupted: test")
        #expect(interrupted.map(\.id.rawValue) == [2])
        let finished = try #require(try ledger.runs(status: .interrupted).first)
        #expect(finished.id.rawValue == 2 && finished.error == "interrupted: test")
        #expect(finished.finishedAt == Date(timeIntervalSince1970: 10))
        #expect(try ledger.history().map(\.runStatus) == [.interrupted])
        #expect(try ledger.startRun(job: "daily", startedAt: Date(timeIntervalSince1970: 20)).rawValue == 8,
                "ids never go back")

        for (what, sql) in [
            ("rewriting an interrupted run", "UPDATE run SET status = 'succeeded', error = NULL WHERE id = 2"),
            ("reopening an interrupted run", "UPDATE run SET status = 'running', finished_at_ms = NULL, error = NULL WHERE id = 2"),
            ("deleting a run", "DELETE FROM run WHERE id = 1"),
            ("an interrupted run without a reason", "INSERT INTO run (job, started_at_ms, finished_at_ms, status) VALUES ('j', 1, 2, 'interrupted')"),
            ("an unknown status", "INSERT INTO run (job, started_at_ms, status) VALUES ('j', 1, 'lost')"),
            ("a snapshot of an unknown run", """
                INSERT INTO snapshot (run_id, series_id, period_start, period_end, period_label, fetched_at_ms,
                                      file_name, file_size, sha256, archive_path, row_count)
                VALUES (99, 1, 0, 86400, 'l', 1, 'g.xlsx', 10, '\(String(repeating: "cd", count: 32))', 'a', 0)
                """),
        ] {
            #expect(throws: DatabaseError.self, "\(what)") { try ledger.pool.write { try $0.execute(sql: sql) } }
        }
        #expect(throws: LedgerError.runNotRunning(RunID(rawValue: 2), status: .interrupted)) {
            try ledger.finishRun(RunID(rawValue: 2), status: .succeeded, error: nil, finishedAt: Date())
        }
        let indexes = try await ledger.pool.read { db in
            try String.fetchSet(db, sql: "SELECT name FROM sqlite_master WHERE tbl_name = 'run' AND type IN ('index', 'trigger')")
        }
        #expect(indexes.isSuperset(of: ["run_by_start", "run_finishes_once", "run_is_never_deleted"]))
        #expect(try ledger.pool.read { try Row.fetchAll($0, sql: "PRAGMA foreign_key_check") }.isEmpty)
    }

    /// Migration "v4-snapshot-chain" chains what an older release recorded.
    @Test func aLedgerRecordedBeforeTheChainIsChainedOnUpgradeWithTheSameHashes() async throws {
        let fixture = try SQLiteFixture()
        try await fixture.recordHistory()
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

    /// The alert and outbox tables, rebuilt for pipeline alerts and requeues, keep a v2 ledger's rows.
    @Test func migratingFromV2KeepsEveryAlertAndDelivery() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("v7-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("ledger.sqlite").path
        do {
            let pool = try DatabasePool(path: path)
            try LedgerSchema.migrator.migrate(pool, upTo: "v2-alerts")
            try await pool.write { db in
                try db.execute(sql: """
                    INSERT INTO run (id, job, started_at_ms, finished_at_ms, status) VALUES (1, 'monthly', 0, 1, 'succeeded');
                    INSERT INTO series (id, job, organization_id) VALUES (1, 'monthly', 42);
                    INSERT INTO snapshot (id, run_id, series_id, period_start, period_end, period_label, fetched_at_ms,
                        file_name, file_size, sha256, archive_path, row_count)
                        VALUES (1, 1, 1, 0, 10, 'p', 0, 'f.xlsx', 1, '\(String(repeating: "ab", count: 32))', 'a', 0);
                    INSERT INTO alert_state VALUES ('k', 'grew', 'monthly', 42, 'USD', 'firing', 1000, 1000, NULL, 1);
                    """)
                try db.execute(sql: """
                    INSERT INTO outbox (message_id, target, identity_key, kind, snapshot_id, notification_json, created_at,
                        next_attempt_at, status, last_error, finished_at, attempts) VALUES (?, 'ops', 'k', 'firing', 1, ?, 1000, 1000, 'dead', 'HTTP 400', 1001, 1)
                    """, arguments: ["msg_grew_1", try LedgerJSON.encode(notification(snapshotID: SnapshotID(rawValue: 1)))])
            }
        }
        let ledger = try SQLiteLedger(path: path)
        let alert = try await #require(try ledger.alerts().first)
        #expect(alert.state.identity.currency == "USD" && alert.state.lastSnapshotID == 1)
        let dead = try await ledger.deliveries(status: .dead)
        #expect(dead.map(\.messageID) == ["msg_grew_1"] && dead.first?.lastError == "HTTP 400")
        await #expect(try ledger.retryDead(now: 2_000).map(\.status) == [.pending])
    }
}
