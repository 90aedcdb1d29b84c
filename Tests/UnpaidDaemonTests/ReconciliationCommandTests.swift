import Foundation
import Testing

/// The commands support and finance use, as real processes against the simulator process.
@Suite(.serialized, .enabled(if: BuiltProducts.available, Comment(rawValue: BuiltProducts.missing)))
struct ReconciliationCommandTests {
    func unpaidd(_ fixture: DaemonFixture, _ name: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        let child = try ChildProcess(BuiltProducts.directory! + "/unpaidd", arguments + ["--config", fixture.configPath],
                                     logPath: fixture.directory + "/\(name).log")
        let status = try await child.exitStatus()
        return (status, child.log)
    }

    @Test func callPrintsGetOrderAmountsRawAnswerWithoutSecrets() async throws {
        let fixture = try await DaemonFixture.start(ordersPerOrganization: 20)
        defer { fixture.stop() }
        try fixture.writeConfig()
        let now = Int(Date().timeIntervalSince1970)
        let window = ["--start", String(now - 90 * 86_400), "--end", String(now + 60), "--org", "100001"]
        let answer = try await unpaidd(fixture, "call", ["call", "--action", "GetOrderAmount"] + window)
        #expect(answer.status == 0, "\(answer.output)")
        #expect(answer.output.contains("\"UnpaidCount\"") && answer.output.contains("\"UnpaidAmount\""))
        #expect(answer.output.contains("GetOrderAmountResponse"), "\(answer.output)")
        let dryRun = try await unpaidd(fixture, "dry-run", ["call", "--action", "GetOrderAmount", "--dry-run"] + window)
        #expect(dryRun.status == 0 && dryRun.output.contains("Action=GetOrderAmount"))
        #expect(dryRun.output.contains("Signature=<redacted>"))
        for output in [answer.output, dryRun.output] {
            #expect(!output.contains(DaemonFixture.privateKey) && !output.contains(DaemonFixture.publicKey))
        }
        let unknown = try await unpaidd(fixture, "unknown", ["call", "--action", "DeleteEverything"] + window)
        #expect(unknown.status != 0 && unknown.output.contains("--action: expected one of"))
    }

    @Test func fetchAndHistoryShowEachSnapshotsReconciliation() async throws {
        let fixture = try await DaemonFixture.start(ordersPerOrganization: 20)
        defer { fixture.stop() }
        try fixture.writeConfig()
        let now = Int(Date().timeIntervalSince1970)
        let window = ["--start", String(now - 90 * 86_400), "--end", String(now + 60)]
        let fetched = try await unpaidd(fixture, "fetch", ["fetch", "--org", "100001"] + window)
        #expect(fetched.status == 0 && fetched.output.contains("GetOrderAmount: reconciled"), "\(fetched.output)")
        try await fixture.injectFault("amount-disagree", count: 2)
        let disagreeing = try await unpaidd(fixture, "fetch2", ["fetch", "--org", "100001"] + window)
        #expect(disagreeing.status == 0 && disagreeing.output.contains("GetOrderAmount: mismatch"), "\(disagreeing.output)")
        let history = try await unpaidd(fixture, "history", ["history", "--format", "csv"])
        let lines = history.output.split(whereSeparator: \.isNewline).map(String.init)  // CSV lines end in CRLF
        let header = lines.first?.split(separator: ",").map(String.init) ?? []
        let column = try #require(header.firstIndex(of: "reconciliation"), "\(history.output)")
        #expect(lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false)[column] }
            == ["reconciled", "mismatch"])
    }
}
