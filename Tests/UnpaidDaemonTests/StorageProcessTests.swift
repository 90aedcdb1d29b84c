import BillingSimulator
import Foundation
import Testing

/// Storage paths as a user meets them: `check-config`, `run --once` and `fetch` name the
/// key and say what is wrong; what unpaidd creates is owner-only under umask 022.
@Suite(.serialized, .enabled(if: BuiltProducts.available, Comment(rawValue: BuiltProducts.missing)))
struct StorageProcessTests {
    static let keyVariable = "UNPAIDD_STORAGE_TEST_KEY"

    /// A configuration whose storage is under `directory`, with the given overrides.
    func writeConfig(in directory: String, apiPort: Int = 9, storage: String) throws -> String {
        var text = UnpaiddConfigurationText(apiURL: "http://127.0.0.1:\(apiPort)", publicKey: DaemonFixture.publicKey,
                                            privateKeySetting: #"private_key_env = "\#(Self.keyVariable)""#,
                                            directory: directory, organizations: [100001])
        text.apiKeys = "max_attempts = 1"
        let path = directory + "/unpaidd.toml"
        try text.text.replacingOccurrences(of: "[storage]\n", with: "[storage]\n\(storage)\n")
            .replacingOccurrences(of: "database = \"\(directory)/ledger.sqlite\"\narchive_dir = \"\(directory)/archive\"\n",
                                  with: "")
            .write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func unpaidd(_ arguments: [String], in directory: String, name: String, asNobody: Bool = false) async throws
        -> (status: Int32, log: String) {
        let binary = BuiltProducts.directory! + "/unpaidd"
        let process = asNobody && getuid() == 0
            ? try ChildProcess("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", binary] + arguments,
                               logPath: directory + "/\(name).log", environment: [Self.keyVariable: DaemonFixture.privateKey])
            : try ChildProcess(binary, arguments, logPath: directory + "/\(name).log",
                               environment: [Self.keyVariable: DaemonFixture.privateKey])
        return (try await process.exitStatus(), process.log)
    }

    func temporaryDirectory() throws -> String {
        let directory = "/tmp/unpaidd-storage-proc-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        return directory
    }

    @Test func anArchiveUnderARegularFileIsRefusedUpFrontInWords() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data("not a folder".utf8).write(to: URL(filePath: directory + "/file"))
        let config = try writeConfig(in: directory, storage: """
            database = "\(directory)/ledger.sqlite"
            archive_dir = "\(directory)/file/archive"
            """)

        for (name, arguments) in [("check", ["check-config"]), ("once", ["run", "--once"]),
                                  ("fetch", ["fetch", "--org", "100001", "--start", "2026-10-01", "--end", "2026-10-02"])] {
            let result = try await unpaidd(arguments + ["--config", config], in: directory, name: name)
            #expect(result.status != 0, "\(name): \(result.log)")
            #expect(result.log.contains("storage.archive_dir: cannot use \(directory)/file/archive: \(directory)/file exists and is not a directory"),
                    "\(name): \(result.log)")
            #expect(!result.log.contains("NSCocoaErrorDomain"), "\(name): \(result.log)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory + "/ledger.sqlite"), "a refused run created the ledger")
    }

    @Test func aLedgerDirectoryTheUserCannotWriteIsRefusedUpFront() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Writable by its owner only: another user (or this one, after chmod) cannot write it.
        try FileManager.default.createDirectory(atPath: directory + "/state", withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o555])
        let config = try writeConfig(in: directory, storage: """
            database = "\(directory)/state/ledger.sqlite"
            archive_dir = "\(directory)/archive"
            """)
        chmod(config, 0o644)

        let result = try await unpaidd(["check-config", "--config", config], in: directory, name: "check", asNobody: true)
        #expect(result.status != 0, "\(result.log)")
        #expect(result.log.contains("storage.database: cannot use \(directory)/state: \(directory)/state is not writable by"),
                "\(result.log)")
    }

    @Test func whatARunCreatesIsOwnerOnlyUnderUmask022() async throws {
        let fixture = try await DaemonFixture.start(ordersPerOrganization: 50)
        defer { fixture.stop() }
        try fixture.writeConfig()
        let shell = try ChildProcess("/bin/sh", ["-c", "umask 022; exec \"$0\" run --once --config \"$1\"",
                                                 BuiltProducts.directory! + "/unpaidd", fixture.configPath],
                                     logPath: fixture.directory + "/once.log")
        #expect(try await shell.exitStatus() == 0, "\(shell.log)")

        for file in [fixture.database, fixture.database + ".lock"] {
            #expect(try mode(file) == 0o600, "\(file)")
        }
        let archive = fixture.directory + "/archive"
        var files = 0
        let walker = try #require(FileManager.default.enumerator(atPath: archive))
        for case let relative as String in walker {
            let path = archive + "/" + relative
            let isDirectory = (try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType) == .typeDirectory
            #expect(try mode(path) == (isDirectory ? 0o700 : 0o600), "\(path)")
            if !isDirectory { files += 1 }
        }
        #expect(try mode(archive) == 0o700)
        #expect(files == 2)
    }

    private func mode(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }
}
