import BillingSimulator
import Crypto
import Foundation
import GRDB
import Logging
import Testing
import UnpaidCore
import UnpaidExport
@testable import SQLiteLedger
import Ledger
@testable import UnpaidDaemon

/// A ledger and an archive of real export files in a temporary directory.
final class ArchiveFixture {
    let directory: String
    let ledger: SQLiteLedger
    let export = ExportSettings(columnAliases: [:], maxUncompressedBytes: 1 << 30, maxCompressionRatio: 1_000,
                                maxColumns: 200)
    static let base = Date(timeIntervalSince1970: 1_793_000_000)

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("integrity-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/archive", withIntermediateDirectories: true)
        ledger = try SQLiteLedger(path: directory + "/ledger.sqlite")
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    func fetchedAt(day: Int) -> Date { Self.base.addingTimeInterval(Double(day) * 86_400) }

    /// Writes an export of organization 42 with `orders` (number, amount), archives it and
    /// records it as the pipeline does: parsed back from the file, hashed as downloaded.
    @discardableResult
    func record(_ orders: [(String, String)], day: Int) throws -> SnapshotRecord {
        var workbook = XLSXWorkbookWriter(sheetName: "Sheet1")
        workbook.appendRow([.text("OrderNo"), .text("OrganizationID"), .text("OrderTotalPrice"), .text("Currency")])
        for (number, amount) in orders { workbook.appendRow([.text(number), .integer(42), .text(amount), .text("USD")]) }
        let bytes = workbook.finish()
        let path = directory + "/archive/day-\(day).xlsx"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let packed = try readSortedExport(at: path, organizationID: 42, spillingTo: nil)
        let at = fetchedAt(day: day)
        let run = try ledger.startRun(job: "daily", startedAt: at)
        let snapshot = NewSnapshot(
            runID: run, job: "daily", organizationID: 42, window: try BillingWindow(start: 0, end: 86_400),
            periodLabel: "day-\(day)", fetchedAt: at, fileName: "day-\(day).xlsx", fileSize: Int64(bytes.count),
            sha256: SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined(), archivePath: path)
        let record = try ledger.recordSnapshot(snapshot, orders: packed) { .nothing(at: $0.snapshot.id.rawValue) }.record
        try ledger.finishRun(run, status: .succeeded, error: nil, finishedAt: at)
        return record
    }

    func recordThreeDays() throws {
        try record([("A", "10.50"), ("B", "2")], day: 0)
        try record([("A", "10.50"), ("B", "3"), ("C", "1.25")], day: 1)
        try record([("C", "1.25")], day: 2)
    }

    func check(deep: Bool = false) async throws -> LedgerIntegrity {
        try await LedgerIntegrity.check(ledger, export: export, deep: deep, expectedHead: nil)
    }
}

@Suite struct IntegrityTests {
    @Test func anUntouchedLedgerAndArchiveVerifyEvenWhenEveryFileIsReadAgain() async throws {
        let fixture = try ArchiveFixture()
        try fixture.recordThreeDays()
        let integrity = try await fixture.check(deep: true)
        #expect(integrity.problems == [])
        #expect(integrity.archive.checked == 3)
        let summary = try #require(integrity.lines.last)
        #expect(summary.hasPrefix("verify: OK; 3 snapshots"))
        #expect(summary.contains("3 files checked"))
        #expect(summary.contains("head: snapshot 3 \(try #require(try fixture.ledger.chainHead()).hash)"))
    }

    @Test func anEditedOrMissingArchivedFileIsNamed() async throws {
        let fixture = try ArchiveFixture()
        try fixture.recordThreeDays()
        let edited = fixture.directory + "/archive/day-1.xlsx"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: edited))
        bytes[bytes.count / 2] ^= 0xff
        try bytes.write(to: URL(fileURLWithPath: edited))
        try FileManager.default.removeItem(atPath: fixture.directory + "/archive/day-2.xlsx")
        let problems = try await fixture.check().problems
        #expect(problems.count == 2)
        #expect(problems[0].snapshotID?.rawValue == 2 && problems[0].table == "archive")
        #expect(problems[0].detail.hasPrefix(edited) && problems[0].detail.contains("SHA-256"))
        #expect(problems[1].snapshotID?.rawValue == 3 && problems[1].detail.contains("missing"))
        await #expect(try #require(try fixture.check().lines.last).hasPrefix("verify: FAILED, 2 problems"))
    }

    @Test func readingTheFilesAgainCatchesALedgerThatNoLongerSaysWhatTheyDo() async throws {
        let fixture = try ArchiveFixture()
        try fixture.recordThreeDays()
        let attacker = try DatabaseQueue(path: fixture.ledger.path)
        try await attacker.write { db in
            try db.execute(sql: "DROP TRIGGER order_interval_only_closes")
            try db.execute(sql: "UPDATE order_interval SET amount_text = '1.20' WHERE order_no = 'C'")
        }
        try attacker.close()
        let problems = try await fixture.check(deep: true).problems
        let archive = fixture.directory + "/archive"
        for day in 1...2 {
            #expect(problems.contains(VerificationProblem(
                snapshotID: SnapshotID(rawValue: Int64(day + 1)), table: "order_interval",
                detail: "\(archive)/day-\(day).xlsx read again: order C: amount is \"1.25\" in the file, \"1.20\" in the ledger")))
        }
        #expect(problems.contains { $0.table == "snapshot_chain" })
    }

    @Test func readingTheFilesAgainNamesEachDifferenceWithItsOrderFieldAndBothValues() async throws {
        let fixture = try ArchiveFixture()
        try fixture.recordThreeDays()
        let attacker = try DatabaseQueue(path: fixture.ledger.path)
        try await attacker.write { db in
            for trigger in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger'") {
                try db.execute(sql: "DROP TRIGGER \(trigger)")
            }
            // Day 1 (snapshot 2) recorded A 10.50, B 3, C 1.25.
            try db.execute(sql: "DELETE FROM order_interval WHERE order_no = 'B' AND first_snapshot_id = 2")
            try db.execute(sql: "UPDATE order_interval SET currency = 'CNY', resource_id = 'r-1' WHERE order_no = 'A'")
            try db.execute(sql: """
                INSERT INTO order_interval (series_id, order_no, currency, amount_text, first_snapshot_id,
                                            closed_by_snapshot_id)
                VALUES (1, 'AB', 'USD', '4', 2, 3)
                """)
        }
        try attacker.close()
        let day1 = fixture.directory + "/archive/day-1.xlsx read again: "
        let found = try await fixture.check(deep: true).problems.filter { $0.snapshotID?.rawValue == 2 && $0.table == "order_interval" }
        #expect(found.map(\.detail) == [
            day1 + "order A: currency is \"USD\" in the file, \"CNY\" in the ledger",
            day1 + "order A: resource_id is absent in the file, \"r-1\" in the ledger",
            day1 + "order AB is in the ledger but not in the file",
            day1 + "order B is in the file but not in the ledger",
        ])
    }

    @Test func retentionRemovesOldFilesRecordsThemAndVerifyStillPasses() async throws {
        let fixture = try ArchiveFixture()
        try fixture.recordThreeDays()
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let retention = ArchiveRetention(ledger: fixture.ledger, retentionSeconds: 86_400, logger: logger)
        let removed = try await retention.apply(now: fixture.fetchedAt(day: 2).addingTimeInterval(1))
        #expect(removed == [fixture.directory + "/archive/day-0.xlsx", fixture.directory + "/archive/day-1.xlsx"])
        #expect(!FileManager.default.fileExists(atPath: removed[0]))
        #expect(FileManager.default.fileExists(atPath: fixture.directory + "/archive/day-2.xlsx"))
        let integrity = try await fixture.check(deep: true)
        #expect(integrity.problems == [])
        #expect((integrity.archive.checked, integrity.archive.removed) == (1, 2))
        #expect(try #require(integrity.lines.last).contains("1 files checked (2 removed by retention)"))
        let history = try fixture.ledger.history()
        #expect(history.map { $0.archiveRemovedAt != nil } == [true, true, false])
        await #expect(try retention.apply(now: fixture.fetchedAt(day: 2).addingTimeInterval(1)) == [], "nothing twice")
        #expect(throws: DatabaseError.self) {  // removals are history too
            try fixture.ledger.pool.write { try $0.execute(sql: "DELETE FROM archive_removal") }
        }
    }

    @Test func theDailyHousekeepingLogsTheChainHeadAndAppliesRetention() async throws {
        let fixture = try ArchiveFixture()
        try fixture.recordThreeDays()
        let log = LogRecorder()
        let housekeeping = LedgerHousekeeping(ledger: fixture.ledger, retentionSeconds: 86_400, logger: log.logger)
        await housekeeping.runOnce(now: fixture.fetchedAt(day: 2).addingTimeInterval(1))
        let head = try #require(try fixture.ledger.chainHead())
        let logged = try #require(log.entries("ledger chain head").first)
        #expect(logged.level == .notice)
        #expect(logged.metadata == ["snapshot_id": "3", "chain_hash": head.hash])
        #expect(log.entries("removed archived files past retention").first?.metadata["count"] == "2")
        #expect(!FileManager.default.fileExists(atPath: fixture.directory + "/archive/day-0.xlsx"))
    }

    @Test func aFileThatVanishedIsNotPassedOffAsRemovedByRetention() async throws {
        let fixture = try ArchiveFixture()
        try fixture.recordThreeDays()
        try FileManager.default.removeItem(atPath: fixture.directory + "/archive/day-0.xlsx")
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        try await ArchiveRetention(ledger: fixture.ledger, retentionSeconds: 86_400, logger: logger)
            .apply(now: fixture.fetchedAt(day: 2).addingTimeInterval(1))
        let problems = try await fixture.check().problems
        #expect(problems.map(\.snapshotID?.rawValue) == [1])
        #expect(problems.first?.detail.contains("missing") == true)
    }

    @Test func theBackupAndItsTemporaryFileAreOwnerOnlyUnderUmask022() async throws {
        let fixture = try ArchiveFixture()
        try fixture.recordThreeDays()
        let previous = umask(0o022)
        defer { umask(previous) }
        func mode(_ path: String) throws -> Int {
            try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        }
        var temporaryMode: Int?
        let path = fixture.directory + "/backup.sqlite"
        _ = try fixture.ledger.backup(to: path, replacing: false) { temporary in temporaryMode = try mode(temporary) }
        #expect(temporaryMode == 0o600)
        #expect(try mode(path) == 0o600)
    }

    @Test func aBackupTakenWhileAWriterRecordsRestoresToALedgerThatVerifies() async throws {
        let fixture = try ArchiveFixture()
        try fixture.recordThreeDays()
        let ledger = fixture.ledger
        let writer = Task.detached {
            for day in 3..<40 {
                let orders = (0..<2_000).map { ("O\($0)", "\($0 + day).\(day % 10)") }
                try fixture.record(orders, day: day)
            }
        }
        var backups: [String] = []
        for attempt in 0..<4 {
            let path = fixture.directory + "/backup-\(attempt).sqlite"
            let backup = try ledger.backup(to: path)
            #expect(backup.verification.holds)
            backups.append(path)
            try await Task.sleep(for: .milliseconds(50))
        }
        try await writer.value
        for path in backups {
            let restored = try SQLiteLedger(path: path)
            let verification = try restored.verify()
            #expect(verification.problems == [])
            #expect(verification.snapshots >= 3)
        }
        #expect(throws: LedgerError.self) { try ledger.backup(to: backups[0]) }
        #expect(try ledger.backup(to: backups[0], replacing: true).verification.snapshots == 40)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: fixture.directory).filter { $0.contains("partial") }
        #expect(leftovers == [])
    }
}
