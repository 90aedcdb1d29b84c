import Foundation
import Testing
import Ledger
import LedgerTestSupport

/// Runs whose process died are finished as `interrupted`; finished runs stay as recorded.
@Suite struct InterruptedRunTests {
    @Test(arguments: LedgerBackend.allCases)
    func onlyRunningRunsAreInterruptedAndTheListingFilters(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let base = LedgerFixture.base
            let ledger = fixture.ledger
            let done = try await ledger.startRun(job: "daily", startedAt: base)
            try await ledger.finishRun(done, status: .succeeded, error: nil, finishedAt: base.addingTimeInterval(1))
            let left = try await ledger.startRun(job: "weekly", startedAt: base.addingTimeInterval(60))
            // A clock set back since the run started still finishes it at or after its start.
            let interrupted = try await ledger.interruptRunningRuns(at: base, reason: "interrupted: clock")
            #expect(interrupted.map(\.id) == [left])
            #expect(try await ledger.runs(job: nil, status: .interrupted, since: nil, limit: nil).first?.finishedAt
                        == base.addingTimeInterval(60))
            #expect(try await ledger.interruptRunningRuns(at: base, reason: "again").isEmpty)

            #expect(try await ledger.runs(job: "daily", status: nil, since: nil, limit: nil).map(\.id) == [done])
            #expect(try await ledger.runs(job: nil, status: nil, since: base.addingTimeInterval(30), limit: nil).map(\.id)
                        == [left])
            #expect(try await ledger.runs(job: "weekly", status: .succeeded, since: nil, limit: nil).isEmpty)
            #expect(try await ledger.runs(job: nil, status: nil, since: nil, limit: 1).map(\.id) == [left])
            await #expect(throws: LedgerError.runNotRunning(left, status: .interrupted)) {
                try await ledger.finishRun(left, status: .succeeded, error: nil, finishedAt: base.addingTimeInterval(90))
            }
        }
    }

    @Test(arguments: LedgerBackend.allCases)
    func finishedRunsCannotBeRewrittenOrDeletedBehindTheLedger(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let base = LedgerFixture.base
            let done = try await fixture.ledger.startRun(job: "daily", startedAt: base)
            try await fixture.ledger.finishRun(done, status: .succeeded, error: nil, finishedAt: base.addingTimeInterval(1))
            let left = try await fixture.ledger.startRun(job: "daily", startedAt: base.addingTimeInterval(2))
            _ = try await fixture.ledger.interruptRunningRuns(at: base.addingTimeInterval(3), reason: "interrupted: test")
            for (what, sql) in [
                ("rewriting an interrupted run", "UPDATE run SET status = 'succeeded', error = NULL WHERE id = \(left.rawValue)"),
                ("reopening an interrupted run",
                 "UPDATE run SET status = 'running', finished_at_ms = NULL, error = NULL WHERE id = \(left.rawValue)"),
                ("deleting a run", "DELETE FROM run WHERE id = \(done.rawValue)"),
                ("an interrupted run without a reason",
                 "INSERT INTO run (job, started_at_ms, finished_at_ms, status) VALUES ('j', 1, 2, 'interrupted')"),
                ("an unknown status", "INSERT INTO run (job, started_at_ms, status) VALUES ('j', 1, 'lost')"),
            ] {
                await #expect(throws: SchemaRefusal.self, "\(what)") { try await fixture.executeBehindTheLedger(sql) }
            }
        }
    }
}
