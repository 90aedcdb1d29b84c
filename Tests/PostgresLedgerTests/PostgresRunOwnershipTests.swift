import Foundation
import Ledger
import Logging
import PostgresNIO
import PostgresTestSupport
import Testing
@testable import PostgresLedger

/// Replicas on one database: a replica's start (or sweep) finishes as interrupted only the
/// runs of a process that has died, never a run a live replica is still recording.
@Suite struct PostgresRunOwnershipTests {
    static let logger = Logger(label: "run-ownership-tests") { _ in SwiftLogNoOpLogHandler() }
    static let start = Date(timeIntervalSince1970: 1_793_000_000)

    @Test func aLiveReplicasRunIsLeftAloneAndADeadOnesIsInterrupted() async throws {
        let location = try await TestPostgresCluster.shared.freshDatabase()
        let environment = try await TestPostgresCluster.shared.environment()
        try await PostgresLedger.withLedger(location, environment: environment, logger: Self.logger,
                                            ownsRuns: true) { (survivor: PostgresLedger) async throws in
            let (running, finished) = try await PostgresLedger.withLedger(
                location, environment: environment, logger: Self.logger, ownsRuns: true
            ) { (replica: PostgresLedger) async throws -> (RunID, RunID) in
                let finished = try await replica.startRun(job: "daily", startedAt: Self.start)
                try await replica.finishRun(finished, status: .succeeded, error: nil, finishedAt: Self.start + 5)
                let running = try await replica.startRun(job: "daily", startedAt: Self.start + 10)
                #expect(try await survivor.interruptRunningRuns(at: Self.start + 20, reason: "sweep").isEmpty)
                #expect(try await Self.heldRunLocks(in: location) == 1, "a finished run keeps no lock")
                return (running, finished)
            }
            // The replica's scope ended, its session with it (as when a process is killed).
            var interrupted: [RunRecord] = []
            for _ in 0..<200 where interrupted.isEmpty {
                interrupted = try await survivor.interruptRunningRuns(at: Self.start + 30, reason: "sweep")
                if interrupted.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(interrupted.map(\.id) == [running])
            let runs = try await survivor.runs(job: nil, status: nil, since: nil, limit: nil)
            #expect(runs.first { $0.id == finished }?.status == .succeeded)
            #expect(runs.first { $0.id == running }?.status == .interrupted)
        }
    }

    @Test func aLedgerThatOwnsNoRunsInterruptsEveryRunningRunAsSQLiteDoes() async throws {
        let location = try await TestPostgresCluster.shared.freshDatabase()
        let environment = try await TestPostgresCluster.shared.environment()
        try await PostgresLedger.withLedger(location, environment: environment, logger: Self.logger) { ledger in
            let run = try await ledger.startRun(job: "daily", startedAt: Self.start)
            #expect(try await Self.heldRunLocks(in: location) == 0)
            #expect(try await ledger.interruptRunningRuns(at: Self.start + 1, reason: "start").map(\.id) == [run])
        }
    }

    /// Advisory locks of the run-ownership class held in this test's database, by any session.
    static func heldRunLocks(in location: PostgresLocation) async throws -> Int {
        try await TestPostgresCluster.shared.asAdministrator(database: location.database) { connection in
            let rows = try await connection.query("""
                SELECT count(*)::int FROM pg_locks
                WHERE locktype = 'advisory' AND classid = \(Int64(PostgresRunOwnership.lockClass))::oid AND granted
                  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                """, logger: logger)
            for try await count in rows.decode(Int.self) { return count }
            return 0
        }
    }
}
