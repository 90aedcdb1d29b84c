import Foundation
import Testing

/// Help is how a new user finds the commands: every way of asking prints the parser's
/// help on stdout and exits 0, and a usage error still exits non-zero on stderr.
@Suite(.enabled(if: BuiltProducts.available, Comment(rawValue: BuiltProducts.missing)))
struct HelpProcessTests {
    @Test(arguments: [
        (["--help"], "USAGE: unpaidd <subcommand>"),
        (["-h"], "USAGE: unpaidd <subcommand>"),
        (["help"], "USAGE: unpaidd <subcommand>"),
        (["orders", "--help"], "USAGE: unpaidd orders"),
        (["help", "rollforward"], "USAGE: unpaidd rollforward"),
        (["deliveries", "--help"], "--retry-dead"),
    ])
    func everyWayOfAskingForHelpPrintsIt(arguments: [String], expected: String) throws {
        let result = try QueryOptionsTests.unpaidd(arguments)
        #expect(result.status == 0, "\(arguments): \(result.stderr)")
        #expect(result.stdout.contains(expected), "\(arguments): \(result.stdout)")
        #expect(!result.stdout.contains("CommandError") && result.stderr.isEmpty, "\(arguments): \(result.stderr)")
    }

    @Test func theRootHelpListsTheAuditAndOperationsCommands() async throws {
        let help = try QueryOptionsTests.unpaidd(["--help"]).stdout
        for command in ["run", "history", "orders", "rollforward", "aging", "verify", "backup", "deliveries", "report"] {
            #expect(help.contains("  \(command) "), "\(command) missing from:\n\(help)")
        }
    }

    @Test func aMistypedCommandOrValueIsAUsageErrorOnStandardError() async throws {
        let command = try QueryOptionsTests.unpaidd(["ordres"])
        #expect(command.status == 64 && command.stdout.isEmpty)
        #expect(command.stderr.contains("Error: Unexpected argument 'ordres'"), "\(command.stderr)")
        let value = try QueryOptionsTests.unpaidd(["orders", "--snapshot", "abc"])
        #expect(value.status == 64 && value.stdout.isEmpty)
        #expect(value.stderr.contains("The value 'abc' is invalid for '--snapshot <snapshot>'"), "\(value.stderr)")
        #expect(value.stderr.contains("Usage: unpaidd orders"), "\(value.stderr)")
    }
}
