import Foundation
import Testing
import UnpaidMetrics

/// The example rules shipped in etc/prometheus are checked and unit-tested by Prometheus'
/// own `promtool`, and may only name series unpaidd exposes.
@Suite struct PrometheusRulesTests {
    static let folder = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appending(path: "etc/prometheus").path

    @Test(arguments: [["check", "rules", "unpaidd-rules.yml"], ["test", "rules", "unpaidd-rules.test.yml"]])
    func promtoolAcceptsTheExampleRules(_ arguments: [String]) throws {
        let (status, output) = try Self.promtool(arguments)
        #expect(status == 0, "promtool \(arguments.joined(separator: " ")):\n\(output)")
    }

    @Test func theRulesNameOnlySeriesUnpaiddExposes() async throws {
        let rules = try String(contentsOfFile: Self.folder + "/unpaidd-rules.yml", encoding: .utf8)
        let named = Set(rules.matches(of: /unpaidd_[a-z_]+/).map { String($0.output) })
        #expect(!named.isEmpty)
        #expect(named.subtracting(MetricName.help.keys).isEmpty)
    }

    static func promtool(_ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(filePath: "/usr/bin/env")
        process.arguments = ["promtool"] + arguments
        process.currentDirectoryURL = URL(filePath: folder)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
