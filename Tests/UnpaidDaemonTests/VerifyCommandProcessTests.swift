import Foundation
import Testing
@testable import SQLiteLedger
import Ledger

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

    /// Runs `unpaidd` as a user who cannot write the frozen ledger: as root, whom modes do
    /// not stop, it runs as nobody (who then owns the fixture's other files).
    func unpaiddAsReader(_ arguments: [String], in fixture: ArchiveFixture) async throws -> (status: Int32, output: String) {
        var command = [BuiltProducts.directory! + "/unpaidd"] + arguments
        if getuid() == 0 { command = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + command }
        let child = try ChildProcess(command[0], Array(command.dropFirst()),
                                     logPath: fixture.directory + "/out-\(UUID().uuidString).log")
        let status = try await child.exitStatus()
        return (status, child.log)
    }

    @Test func verifyAndBackupReadALedgerNoOneMayWriteAndChangeNothing() async throws {
        let fixture = try ArchiveFixture()
        try fixture.recordThreeDays()
        // A WAL ledger complete in its main file, as the daemon's last close leaves it.
        func checkpoint() throws { _ = try fixture.ledger.pool.writeWithoutTransaction { try $0.checkpoint(.truncate) } }
        try checkpoint()
        let frozen = fixture.directory + "/frozen"
        try FileManager.default.createDirectory(atPath: frozen, withIntermediateDirectories: false)
        let ledger = frozen + "/ledger.sqlite"
        try FileManager.default.copyItem(atPath: fixture.ledger.path, toPath: ledger)
        let config = try configuration(fixture, database: ledger)
        if getuid() == 0 {
            for path in try [fixture.directory] + FileManager.default.subpathsOfDirectory(atPath: fixture.directory)
                .map({ fixture.directory + "/" + $0 }) {
                #expect(chown(path, 65_534, 65_534) == 0)
            }
        }
        #expect(chmod(ledger, 0o400) == 0)
        #expect(chmod(frozen, 0o500) == 0)
        defer { chmod(frozen, 0o700) }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: ledger))

        let verify = try await unpaiddAsReader(["verify", "--config", config, "--deep"], in: fixture)
        #expect(verify.status == 0, "\(verify.output)")
        #expect(verify.output.contains("verify: OK; 3 snapshots"))
        let copy = fixture.directory + "/copy.sqlite"
        let backup = try await unpaiddAsReader(["backup", "--config", config, "--to", copy], in: fixture)
        #expect(backup.status == 0, "\(backup.output)")
        #expect(backup.output.contains("written and verified; 3 snapshots"))

        #expect(try Data(contentsOf: URL(fileURLWithPath: ledger)) == bytes)
        #expect(try FileManager.default.contentsOfDirectory(atPath: frozen) == ["ledger.sqlite"])
    }

    @Test func theBackupIsOwnerOnlyWhateverTheUmask() async throws {
        let fixture = try ArchiveFixture()
        try fixture.recordThreeDays()
        let config = try configuration(fixture)
        let copy = fixture.directory + "/copy.sqlite"
        let child = try ChildProcess("/bin/sh", ["-c", "umask 022; exec \"$0\" \"$@\"", BuiltProducts.directory! + "/unpaidd",
                                                 "backup", "--config", config, "--to", copy],
                                     logPath: fixture.directory + "/out-\(UUID().uuidString).log")
        #expect(try await child.exitStatus() == 0, "\(child.log)")
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: copy)[.posixPermissions] as? Int)
        #expect(mode == 0o600, "the backup is \(String(mode, radix: 8))")
        #expect(try SQLiteLedger.openForReading(path: copy).verify().problems == [])
    }

    @Test func verifyAndBackupNeverCreateALedger() async throws {
        let fixture = try ArchiveFixture()
        let missing = fixture.directory + "/nowhere/ledger.sqlite"
        let config = try configuration(fixture, database: missing)
        for command in [["verify"], ["backup", "--to", fixture.directory + "/copy.sqlite"]] {
            let result = try await unpaidd(command + ["--config", config], in: fixture)
            #expect(result.status != 0)
            #expect(result.output.contains("\(missing): no ledger there"))
        }
        #expect(!FileManager.default.fileExists(atPath: fixture.directory + "/nowhere"))
    }

    @Test func backupWritesAVerifiedCopyAndRefusesToOverwrite() async throws {
        let fixture = try ArchiveFixture()
        try fixture.recordThreeDays()
        let config = try configuration(fixture)
        let copy = fixture.directory + "/copy.sqlite"
        let first = try await unpaidd(["backup", "--config", config, "--to", copy], in: fixture)
        #expect(first.status == 0, "\(first.output)")
        #expect(first.output.contains("written and verified; 3 snapshots"))
        #expect(try SQLiteLedger(path: copy).verify().problems == [])
        let again = try await unpaidd(["backup", "--config", config, "--to", copy], in: fixture)
        #expect(again.status != 0)
        #expect(again.output.contains("the file exists"))
        #expect(try await unpaidd(["backup", "--config", config, "--to", copy, "--replace"], in: fixture).status == 0)
    }
}
