import Foundation
import UnpaidCore
@testable import SQLiteLedger
import Ledger
import LedgerTestSupport

/// A SQLite ledger in its own temporary directory, removed when the fixture goes away: for
/// the tests about SQLite itself (its file, schema and migrations); contract tests use
/// `LedgerFixture.with(backend)`.
final class SQLiteFixture {
    let directory: URL
    let path: String
    let ledger: SQLiteLedger

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("ledger-tests-\(UUID().uuidString)", isDirectory: true)
        path = directory.appendingPathComponent("state/ledger.sqlite").path
        ledger = try SQLiteLedger(path: path)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    static let base = LedgerFixture.base
    static let window = LedgerFixture.window

    func sha(_ seed: Int) -> String {
        String(repeating: String(format: "%02x", seed % 256), count: 32)
    }

    /// Starts a run, records one snapshot in it and finishes it successfully.
    @discardableResult
    func record(_ orders: [UnpaidOrder], job: String = "monthly", organizationID: Int64 = 42,
                shaSeed: Int, minute: Int) throws -> SnapshotRecord {
        let at = Self.base.addingTimeInterval(Double(minute) * 60)
        let run = try ledger.startRun(job: job, startedAt: at)
        let record = try ledger.recordSnapshot(
            snapshot(run: run, job: job, organizationID: organizationID, shaSeed: shaSeed, at: at),
            orders: orders)
        try ledger.finishRun(run, status: .succeeded, error: nil, finishedAt: at.addingTimeInterval(5))
        return record
    }

    func snapshot(run: RunID, job: String = "monthly", organizationID: Int64 = 42, shaSeed: Int,
                  at: Date) -> NewSnapshot {
        NewSnapshot(runID: run, job: job, organizationID: organizationID, window: Self.window,
                    periodLabel: "2026-10-01_2026-11-01", fetchedAt: at,
                    fileName: "unpaid-\(organizationID)-\(shaSeed).xlsx", fileSize: 1000 + Int64(shaSeed),
                    sha256: sha(shaSeed), archivePath: "archive/\(organizationID)/\(shaSeed).xlsx")
    }
}
