import Foundation
import Testing
@testable import UnpaidDaemon

@Suite struct RowLimitTests {
    /// A file with more rows than `[export] max_rows` is refused before anything is
    /// recorded, with a message naming the limit and the key, and kept for support.
    @Test func anExportOverMaxRowsIsRefusedNamingTheLimitAndKept() async throws {
        let cloud = try await SimulatedCloud.start(organizations: 1, ordersPerOrganization: 30,
                                                   extraConfig: "[export]\nmax_rows = 10")
        defer { Task { await cloud.stop() } }
        #expect(cloud.configuration.export.maxRows == 10)
        let summary = try await cloud.runner.run(cloud.job, scheduledAt: Date())
        #expect(summary.status == .failed)
        let failure = try #require(summary.failures.first)
        #expect(failure.stage == .parse)
        #expect(failure.message.contains("more than 10 data rows"), "\(failure.message)")
        #expect(failure.message.contains("max_rows in [export]"), "\(failure.message)")
        #expect(cloud.files(under: "archive/rejected").count == 1)
        #expect(try cloud.ledger.counts().snapshots == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: cloud.configuration.storage.spoolDirectory).isEmpty)
    }
}
