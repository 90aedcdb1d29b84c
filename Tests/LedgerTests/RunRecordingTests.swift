import Foundation
import Ledger
import LedgerTestSupport
import Testing
import UnpaidCore

/// Runs, fires and failures: the contract every backend keeps.
@Suite struct RunRecordingTests {
    static let start = Date(timeIntervalSince1970: 1_793_000_000.123)

    @Test(arguments: LedgerBackend.allCases)
    func aRunFinishesOnceAndNeverAsRunning(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let ledger = fixture.ledger
            let run = try await ledger.startRun(job: "monthly", startedAt: Self.start)
            await #expect(throws: LedgerError.finishedAsRunning(run)) {
                try await ledger.finishRun(run, status: .running, error: nil, finishedAt: Self.start)
            }
            try await ledger.finishRun(run, status: .partial, error: "org 7 failed", finishedAt: Self.start + 5)
            await #expect(throws: LedgerError.runNotRunning(run, status: .partial)) {
                try await ledger.finishRun(run, status: .succeeded, error: nil, finishedAt: Self.start + 6)
            }
            let unknown = RunID(rawValue: run.rawValue + 100)
            await #expect(throws: LedgerError.unknownRun(unknown)) {
                try await ledger.finishRun(unknown, status: .failed, error: "x", finishedAt: Self.start)
            }
        }
    }

    @Test(arguments: LedgerBackend.allCases)
    func interruptingFinishesOnlyRunningRunsNewestFirst(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let ledger = fixture.ledger
            let first = try await ledger.startRun(job: "daily", startedAt: Self.start)
            let done = try await ledger.startRun(job: "daily", startedAt: Self.start + 10)
            try await ledger.finishRun(done, status: .succeeded, error: nil, finishedAt: Self.start + 11)
            let second = try await ledger.startRun(job: "monthly", startedAt: Self.start + 20)
            // The clock went back: finished_at stays at or after started_at.
            let interrupted = try await ledger.interruptRunningRuns(at: Self.start - 3_600, reason: "found at start")
            #expect(interrupted.map(\.id) == [second, first])
            #expect(interrupted.allSatisfy { $0.status == .running && $0.finishedAt == nil })
            #expect(interrupted.first?.startedAt == Date(timeIntervalSince1970: 1_793_000_020.123))
            #expect(try await ledger.interruptRunningRuns(at: Self.start, reason: "again").isEmpty)
            await #expect(throws: LedgerError.runNotRunning(first, status: .interrupted)) {
                try await ledger.finishRun(first, status: .failed, error: "late", finishedAt: Self.start + 30)
            }
        }
    }

    @Test(arguments: LedgerBackend.allCases)
    func theLastFireIsRememberedPerJob(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let ledger = fixture.ledger
            #expect(try await ledger.lastFire(job: "monthly") == nil)
            try await ledger.recordFire(job: "monthly", scheduledAt: Self.start)
            try await ledger.recordFire(job: "monthly", scheduledAt: Self.start + 86_400)
            try await ledger.recordFire(job: "daily", scheduledAt: Self.start - 1)
            #expect(try await ledger.lastFire(job: "monthly") == Date(timeIntervalSince1970: 1_793_086_400.123))
            #expect(try await ledger.lastFire(job: "daily") == Date(timeIntervalSince1970: 1_792_999_999.123))
        }
    }

    @Test(arguments: LedgerBackend.allCases)
    func aFailureNeedsItsRunAndAnEmptyErrorIsNamed(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            let ledger = fixture.ledger
            let run = try await ledger.startRun(job: "monthly", startedAt: Self.start)
            try await ledger.recordFailure(OrganizationFailure(runID: run, job: "monthly", organizationID: 7,
                                                               failedAt: 1_793_000_001, stage: "download", error: ""))
            await #expect(throws: (any Error).self) {
                try await ledger.recordFailure(OrganizationFailure(runID: RunID(rawValue: 999), job: "monthly",
                                                                   organizationID: 7, failedAt: 1, stage: "fetch",
                                                                   error: "no run"))
            }
            #expect(try await ledger.latestSnapshot(job: "monthly", organizationID: 7) == nil)
            #expect(try await ledger.isRecorded(archivePath: "archive/none.xlsx") == false)
        }
    }
}
