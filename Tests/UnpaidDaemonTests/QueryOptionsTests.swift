import BillingSimulator
import Foundation
import Ledger
import SQLiteLedger
import Testing

/// The options the query commands share (`--org`, `--job`, `--since`, `--format`) parse
/// and behave the same in each: a bad date names its option, formats are accepted.
@Suite(.enabled(if: BuiltProducts.available, Comment(rawValue: BuiltProducts.missing)))
struct QueryOptionsTests {
    static func unpaidd(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(filePath: BuiltProducts.directory! + "/unpaidd")
        process.arguments = arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self),
                String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }

    @Test func sharedOptionsParseAlikeInEveryQuery() async throws {
        let directory = "/tmp/unpaidd-options-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = UnpaiddConfigurationText(apiURL: "http://127.0.0.1:9", publicKey: "k",
                                              privateKeySetting: #"private_key_env = "UNPAIDD_TEST_KEY""#,
                                              directory: directory, organizations: [1])
        try config.text.write(toFile: directory + "/unpaidd.toml", atomically: true, encoding: .utf8)
        _ = try SQLiteLedger(path: directory + "/ledger.sqlite")
        let base = ["--config", directory + "/unpaidd.toml"]

        let narrowed: [[String]] = [
            ["history", "--org", "1", "--job", "mtd", "--since", "2026-01-01", "--format", "csv"],
            ["runs", "--job", "mtd", "--since", "1767225600", "--format", "json"],
            ["changes", "--org", "1", "--job", "mtd", "--since", "2026-01-01", "--until", "2026-02-01", "--format", "jsonl"],
            ["aging", "--org", "1", "--job", "mtd", "--as-of", "2026-01-01T12:00", "--format", "csv"],
            ["alerts", "--format", "csv"],
            ["deliveries", "--format", "json"],
        ]
        for command in narrowed {
            let result = try Self.unpaidd(command + base)
            #expect(result.status == 0, "\(command): \(result.stderr)")
        }
        for (command, option) in [(["history"], "--since"), (["runs"], "--since"), (["changes"], "--since"),
                                  (["aging"], "--as-of")] {
            let result = try Self.unpaidd(command + [option, "last tuesday"] + base)
            #expect(result.status != 0 && result.stderr.contains("\(option):"), "\(command): \(result.stderr)")
        }
        let format = try Self.unpaidd(["history", "--format", "xml"] + base)
        #expect(format.status != 0 && format.stderr.contains("--format"), "\(format.stderr)")
    }
}
