import BillingSimulator
import Foundation
import Ledger
import Testing
import UnpaidCore
import UnpaidExport

/// The audit commands as a user runs them: the built `unpaidd`, a ledger the simulator's
/// runs filled, no private key in the environment. Their numbers are checked against
/// other routes: `history`'s recorded totals and the archived export files themselves.
@Suite(.serialized) struct AuditCommandTests {
    struct Output {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    /// Runs unpaidd without the private key's variable: the audit commands must not need it.
    func unpaidd(_ arguments: [String]) throws -> Output {
        let process = Process()
        process.executableURL = URL(filePath: BuiltProducts.directory! + "/unpaidd")
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { $0.key != "UNPAIDD_TEST_KEY" }
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, standardOutput: String(decoding: data, as: UTF8.self),
                      standardError: String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }

    /// RFC 4180 rows of simple fields (the simulator's texts hold no comma or quote).
    func csvRows(_ text: String) -> [[String: String]] {
        let lines = text.split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard let header = lines.first else { return [] }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }

    @Test(.enabled(if: BuiltProducts.available, Comment(rawValue: BuiltProducts.missing)))
    func ordersAddUpToHistoryAndAreTheArchivedFilesRows() async throws {
        let cloud = try await SimulatedCloud.start()
        defer { Task { await cloud.stop() } }
        let first = try await cloud.runner.run(cloud.job, scheduledAt: Date())
        try await cloud.simulator.setPhase(2)
        let second = try await cloud.runner.run(cloud.job, scheduledAt: Date())
        #expect(first.status == .succeeded && second.status == .succeeded)
        let config = cloud.directory + "/unpaidd.toml"
        try cloud.configurationText.write(toFile: config, atomically: true, encoding: .utf8)

        for snapshot in first.snapshots + second.snapshots {
            let result = try unpaidd(["orders", "--config", config, "--snapshot", "\(snapshot.id.rawValue)", "--format", "csv"])
            #expect(result.status == 0, "\(result.standardError)")
            let rows = csvRows(result.standardOutput)
            var summed: [String: Total] = [:]
            for row in rows { summed[row["currency"]!, default: Total()].add(try Money(row["amount"]!)) }
            let history = try cloud.ledger.history().filter { $0.snapshotID == snapshot.id && $0.currency != nil }
            #expect(summed == Dictionary(uniqueKeysWithValues: history.map { ($0.currency!, Total(count: $0.orderCount, sum: $0.total)) }))
            // The archived file, read again, holds exactly these orders.
            var archived: [String] = []
            _ = try readUnpaidExport(at: snapshot.archivePath) { order in
                archived.append("\(order.orderNo) \(order.currency) \(order.totalPrice)")
            }
            #expect(rows.map { "\($0["order_no"]!) \($0["currency"]!) \($0["amount"]!)" }.sorted() == archived.sorted())
        }

        // As of now, each organization's latest snapshot; the JSON trailer repeats the totals.
        let organization = second.snapshots[0].organizationID
        let asOf = try unpaidd(["orders", "--config", config, "--org", "\(organization)", "--format", "json"])
        #expect(asOf.status == 0, "\(asOf.standardError)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(asOf.standardOutput.utf8)) as? [String: Any])
        let totals = try #require(json["totals"] as? [[String: Any]])
        #expect(totals.allSatisfy { ($0["snapshot"] as? Int).map(Int64.init) == second.snapshots[0].id.rawValue })
        #expect((json["rows"] as? [Any])?.count == second.snapshots[0].orderCount)
    }

    @Test(.enabled(if: BuiltProducts.available, Comment(rawValue: BuiltProducts.missing)))
    func rollForwardAgingTimelineAndChangesAnswerFromTheSimulatorsLedger() async throws {
        let cloud = try await SimulatedCloud.start()
        defer { Task { await cloud.stop() } }
        let first = try await cloud.runner.run(cloud.job, scheduledAt: Date())
        // Command-line dates have whole seconds: the runs must not share one.
        try await Task.sleep(for: .seconds(1.1))
        try await cloud.simulator.setPhase(2)
        let second = try await cloud.runner.run(cloud.job, scheduledAt: Date())
        let config = cloud.directory + "/unpaidd.toml"
        try cloud.configurationText.write(toFile: config, atomically: true, encoding: .utf8)
        // The second `history` shows for each snapshot: "at or before" it includes the snapshot.
        let seconds = { (date: Date) in String(Int64(date.timeIntervalSince1970.rounded(.down))) }

        // 100002's order 0 costs more in phase 2: an amount change; 100004 has new orders.
        for organization in [Int64(100002), 100004] {
            let opening = try #require(first.snapshots.first { $0.organizationID == organization })
            let closing = try #require(second.snapshots.first { $0.organizationID == organization })
            let result = try unpaidd(["rollforward", "--config", config, "--org", "\(organization)",
                                      "--from", seconds(opening.fetchedAt), "--to", seconds(closing.fetchedAt) , "--format", "jsonl"])
            #expect(result.status == 0, "\(result.standardError)")
            let lines = try result.standardOutput.split(separator: "\n").map {
                try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
            }
            for currency in Set(closing.totals.keys) {
                let closingLine = try #require(lines.first { $0["currency"] as? String == currency && $0["line"] as? String == "closing" })
                #expect(closingLine["amount"] as? String == closing.totals[currency]!.sum.description)
            }
            let moved = lines.filter { ["new", "amount changes"].contains($0["line"] as? String) && ($0["orders"] as? Int ?? 0) > 0 }
            #expect(!moved.isEmpty, "organization \(organization) moved between the runs")
        }

        let aging = try unpaidd(["aging", "--config", config, "--format", "jsonl"])
        #expect(aging.status == 0, "\(aging.standardError)")
        let agingLines = try aging.standardOutput.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        let latest = try cloud.ledger.history().filter { line in second.snapshots.contains { $0.id == line.snapshotID } && line.currency != nil }
        #expect(Set(agingLines.map { "\($0["organization"]!) \($0["currency"]!) \($0["total"]!)" })
                    == Set(latest.map { "\($0.organizationID) \($0.currency!) \($0.total)" }))

        let changed = try cloud.ledger.orders(at: try #require(second.snapshots.first { $0.organizationID == 100002 }).id)
        let before = try cloud.ledger.orders(at: try #require(first.snapshots.first { $0.organizationID == 100002 }).id)
        let moved = try #require(changed.first { order in before.contains { $0.orderNo == order.orderNo && $0.totalPrice != order.totalPrice } })
        let story = try unpaidd(["order", "--config", config, moved.orderNo, "--format", "csv"])
        #expect(story.status == 0, "\(story.standardError)")
        #expect(csvRows(story.standardOutput).map { $0["event"]! } == ["first-seen", "changed", "still-unpaid"])

        let changes = try unpaidd(["changes", "--config", config, "--org", "100002", "--orders", "--format", "csv"])
        #expect(changes.status == 0, "\(changes.standardError)")
        #expect(csvRows(changes.standardOutput).contains { $0["order_no"] == moved.orderNo && $0["change"] == "changed" })
    }

    @Test(.enabled(if: BuiltProducts.available, Comment(rawValue: BuiltProducts.missing)))
    func aMistypedLedgerPathIsAnErrorAndNoLedgerIsCreated() throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "audit-missing-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var text = UnpaiddConfigurationText(apiURL: "http://127.0.0.1:9", publicKey: "k",
                                            privateKeySetting: #"private_key_env = "UNPAIDD_TEST_KEY""#,
                                            directory: directory, organizations: [1])
        text.jobName = "daily"
        try text.text.write(toFile: directory + "/unpaidd.toml", atomically: true, encoding: .utf8)
        let result = try unpaidd(["aging", "--config", directory + "/unpaidd.toml"])
        #expect(result.status != 0)
        #expect(result.standardError.contains("there is no ledger at \(directory)/ledger.sqlite"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/ledger.sqlite"))
    }
}
