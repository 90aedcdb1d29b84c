import Foundation
import GRDB
import Testing
@testable import SQLiteLedger
import Ledger
import LedgerTestSupport

/// Runs whose process died are finished as `interrupted` (migration "v3-run-interrupted"),
/// and finished runs stay as they were recorded.
@Suite struct InterruptedRunTests {
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

    @Test func onlyRunningRunsAreInterruptedAndTheListingFilters() async throws {
        let fixture = try SQLiteFixture()
        let base = SQLiteFixture.base
        let done = try fixture.ledger.startRun(job: "daily", startedAt: base)
        try fixture.ledger.finishRun(done, status: .succeeded, error: nil, finishedAt: base.addingTimeInterval(1))
        let left = try fixture.ledger.startRun(job: "weekly", startedAt: base.addingTimeInterval(60))
        // A clock set back since the run started still finishes it at or after its start.
        let interrupted = try fixture.ledger.interruptRunningRuns(at: base, reason: "interrupted: clock")
        #expect(interrupted.map(\.id) == [left])
        #expect(try fixture.ledger.runs(status: .interrupted).first?.finishedAt == base.addingTimeInterval(60))
        #expect(try fixture.ledger.interruptRunningRuns(at: base, reason: "again").isEmpty)

        #expect(try fixture.ledger.runs(job: "daily").map(\.id) == [done])
        #expect(try fixture.ledger.runs(since: base.addingTimeInterval(30)).map(\.id) == [left])
        #expect(try fixture.ledger.runs(job: "weekly", status: .succeeded).isEmpty)
        #expect(try fixture.ledger.runs(limit: 1).map(\.id) == [left])
    }
}
