import Foundation
import Logging
import SQLiteLedger
import Testing
@testable import UnpaidDaemon

/// Replicas sharing a spool each take a part of it; a part is cleared only by the process
/// that holds it, so a live replica's download is never removed by another's start.
@Suite struct SpoolSlotTests {
    static let logger = Logger(label: "spool-slot-tests") { _ in SwiftLogNoOpLogHandler() }

    @Test func eachLiveProcessHoldsItsOwnPartAndADeadOnesPartIsTakenAgain() throws {
        let spool = "/tmp/unpaidd-slot-\(UUID().uuidString.prefix(8))/.spool"
        defer { try? FileManager.default.removeItem(atPath: (spool as NSString).deletingLastPathComponent) }
        var first: SpoolSlot? = try SpoolSlot(spool: spool)
        let second = try SpoolSlot(spool: spool)
        #expect(first?.directory == spool + "/replica-0")
        #expect(second.directory == spool + "/replica-1")
        first = nil
        #expect(try SpoolSlot(spool: spool).directory == spool + "/replica-0")
    }

    @Test func recoveryOnASharedLedgerClearsOnlyItsOwnPart() async throws {
        let root = "/tmp/unpaidd-slot-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let spool = root + "/archive/.spool"
        let live = try SpoolSlot(spool: spool)
        // What a dead replica left in the part this process is about to take.
        let dead = spool + "/replica-1"
        try FileManager.default.createDirectory(atPath: dead, withIntermediateDirectories: true)
        for part in [live.directory, dead] {
            try Data("partial".utf8).write(to: URL(filePath: part + "/download-Ab12Cd"))
        }
        let slot = try SpoolSlot(spool: spool)
        #expect(slot.directory == dead)

        var configuration = try Configuration.parse("""
            [api]
            endpoint = "https://api.ucloud.cn"
            public_key = "pub"
            private_key_env = "KEY"
            [storage]
            database = "\(root)/ledger.sqlite"
            archive_dir = "\(root)/archive"
            [[job]]
            name = "j"
            organizations = [1]
            period = "previous-day"
            """, file: "test.toml")
        configuration = configuration.inSpool(slot)
        #expect(configuration.storage.spoolDirectory == dead)
        let ledger = try SQLiteLedger(path: root + "/ledger.sqlite")
        try await StartupRecovery.runIfAlone(configuration: configuration, ledger: ledger, lock: nil, slot: slot,
                                             logger: Self.logger)
        #expect(!FileManager.default.fileExists(atPath: dead + "/download-Ab12Cd"))
        #expect(FileManager.default.fileExists(atPath: live.directory + "/download-Ab12Cd"), "a live replica's download was removed")
    }
}
