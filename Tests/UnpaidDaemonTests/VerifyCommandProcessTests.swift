import Foundation
import Testing
@testable import Ledger

/// `unpaidd verify` and `unpaidd backup` as people run them: a real process, its output
/// and its exit status.
@Suite(.enabled(if: BuiltProducts.available, Comment(rawValue: BuiltProducts.missing)))
struct VerifyCommandProcessTests {
    func configuration(_ fixture: ArchiveFixture, database: String? = nil) throws -> String {
        let path = fixture.directory + "/unpaidd.toml"
        try """
            [api]
            endpoint = "https://api.ucloud.cn"
            public_key = "pub"
            private_key_env = "KEY"

            [storage]
            database = "\(database ?? fixture.ledger.path)"
            archive_dir = "\(fixture.directory)/archive"

            [[job]]
            name = "daily"
            organizations = [42]
            period = "previous-day"
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func unpaidd(_ arguments: [String], in fixture: ArchiveFixture) async throws -> (status: Int32, output: String) {
        let child = try ChildProcess(BuiltProducts.directory! + "/unpaidd", arguments,
                                     logPath: fixture.directory + "/out-\(UUID().uuidString).log")
        let status = try await child.exitStatus()
        return (status, child.log)
    }

    @Test func verifyExitsZeroOnlyWhenEverythingHolds() async throws {
        let fixture = try ArchiveFixture()
        try fixture.recordThreeDays()
        let config = try configuration(fixture)
        let head = try #require(try fixture.ledger.chainHead())

        let clean = try await unpaidd(["verify", "--config", config, "--expect-head", head.hash], in: fixture)
        #expect(clean.status == 0, "\(clean.output)")
        #expect(clean.output.contains("verify: OK; 3 snapshots"))
        #expect(clean.output.contains("head: snapshot 3 \(head.hash)"))

        let unknownHead = String(repeating: "0", count: 63) + "1"
        let removed = try await unpaidd(["verify", "--config", config, "--expect-head", unknownHead], in: fixture)
        #expect(removed.status == 1)
        #expect(removed.output.contains("snapshot_chain: the expected head \(unknownHead) is not in the chain"))

        try Data("not the export".utf8).write(to: URL(fileURLWithPath: fixture.directory + "/archive/day-1.xlsx"))
        let tampered = try await unpaidd(["verify", "--config", config], in: fixture)
        #expect(tampered.status == 1)
        #expect(tampered.output.contains("snapshot 2, archive: \(fixture.directory)/archive/day-1.xlsx: is 14 bytes"))
        #expect(tampered.output.contains("verify: FAILED, 1 problem;"))
    }

    @Test func verifyAndBackupNeverCreateALedger() async throws {
        let fixture = try ArchiveFixture()
        let missing = fixture.directory + "/nowhere/ledger.sqlite"
        let config = try configuration(fixture, database: missing)
        for command in [["verify"], ["backup", "--to", fixture.directory + "/copy.sqlite"]] {
            let result = try await unpaidd(command + ["--config", config], in: fixture)
            #expect(result.status != 0)
            #expect(result.output.contains("no ledger there"))
        }
        #expect(!FileManager.default.fileExists(atPath: missing))
    }

    @Test func backupWritesAVerifiedCopyAndRefusesToOverwrite() async throws {
        let fixture = try ArchiveFixture()
        try fixture.recordThreeDays()
        let config = try configuration(fixture)
        let copy = fixture.directory + "/copy.sqlite"
        let first = try await unpaidd(["backup", "--config", config, "--to", copy], in: fixture)
        #expect(first.status == 0, "\(first.output)")
        #expect(first.output.contains("written and verified; 3 snapshots"))
        #expect(try Ledger(path: copy).verify().problems == [])
        let again = try await unpaidd(["backup", "--config", config, "--to", copy], in: fixture)
        #expect(again.status != 0)
        #expect(again.output.contains("the file exists"))
        #expect(try await unpaidd(["backup", "--config", config, "--to", copy, "--replace"], in: fixture).status == 0)
    }
}
