import Foundation
@testable import SQLiteLedger
import Ledger
import LedgerTestSupport

/// A SQLite ledger in its own temporary directory, removed when the fixture goes away: for
/// the tests about SQLite itself (its file, schema and migrations); contract tests use
/// `LedgerFixture.with(backend)`. It records through the protocols as they do.
final class SQLiteFixture: LedgerRecording {
    let directory: URL
    let path: String
    let ledger: SQLiteLedger
    var recordingLedger: any Ledger { ledger }

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("ledger-tests-\(UUID().uuidString)", isDirectory: true)
        path = directory.appendingPathComponent("state/ledger.sqlite").path
        ledger = try SQLiteLedger(path: path)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }
}
