import BillingSimulator
import Foundation
import Testing

/// Query commands as a user runs them: a mistyped `storage.database` is an error that
/// says what to check, never an empty history read from a ledger the query created.
@Suite(.enabled(if: BuiltProducts.available, Comment(rawValue: BuiltProducts.missing)))
struct QueryCommandTests {
    @Test(arguments: [["history"], ["alerts"], ["deliveries"], ["deliveries", "--enable-target", "chat"],
                      ["deliveries", "--retry-dead"]])
    func aQueryOnAMissingLedgerFailsAndCreatesNothing(_ command: [String]) async throws {
        let directory = "/tmp/unpaidd-query-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let state = directory + "/state"
        let config = UnpaiddConfigurationText(apiURL: "http://127.0.0.1:9", publicKey: "k",
                                              privateKeySetting: #"private_key_env = "UNPAIDD_TEST_KEY""#,
                                              directory: state, organizations: [1])
        try config.text.write(toFile: directory + "/unpaidd.toml", atomically: true, encoding: .utf8)

        let query = try ChildProcess(BuiltProducts.directory! + "/unpaidd",
                                     command + ["--config", directory + "/unpaidd.toml"],
                                     logPath: directory + "/query.log")
        #expect(try await query.exitStatus() != 0, "\(query.log)")
        #expect(query.log.contains("there is no ledger at \(state)/ledger.sqlite"), "\(query.log)")
        #expect(!query.log.contains("(none)"), "\(query.log)")
        #expect(!FileManager.default.fileExists(atPath: state), "\(command) created \(state)")
    }
}
