import Foundation
import Ledger
import Logging
import PostgresTestSupport
import SQLiteLedger
import Testing
import UnpaidCore
@testable import PostgresLedger

/// What the recording tests need of a ledger, answered by each backend's own methods.
/// Written before `PostgresLedger` conformed to `Ledger`; `LedgerFixture` now serves the same
/// purpose and these tests can move to it.
protocol RecordingUnderTest: Sendable {
    func startRun(job: String, startedAt: Date) async throws -> RunID
    func finishRun(_ id: RunID, status: RunStatus, error: String?, finishedAt: Date) async throws
    func interruptRunningRuns(at date: Date, reason: String) async throws -> [RunRecord]
    func recordFire(job: String, scheduledAt: Date) async throws
    func lastFire(job: String) async throws -> Date?
    func recordFailure(_ failure: OrganizationFailure) async throws
    func isRecorded(archivePath: String) async throws -> Bool
    func latestSnapshot(job: String, organizationID: Int64) async throws -> SnapshotRecord?
}

extension SQLiteLedger: RecordingUnderTest {}
extension PostgresLedger: RecordingUnderTest {}

/// The two backends every recording test runs against, so each proves the PostgreSQL port
/// behaves as the SQLite reference does.
enum RecordingBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }

    static let logger = Logger(label: "postgres-recording-tests", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A fresh, empty ledger of this backend for the duration of `body`.
    func withLedger<Result>(_ body: (any RecordingUnderTest) async throws -> Result) async throws -> Result {
        switch self {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("pgrec-\(UUID().uuidString)", isDirectory: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            return try await body(SQLiteLedger(path: directory.appendingPathComponent("ledger.sqlite").path))
        case .postgres:
            let location = try await TestPostgresCluster.shared.freshDatabase()
            return try await PostgresLedger.withLedger(location, environment: try await TestPostgresCluster.shared.environment(),
                                                       logger: Self.logger, body)
        }
    }
}
