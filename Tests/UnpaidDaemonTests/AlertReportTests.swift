import Foundation
import Ledger
import Testing
import UnpaidCore
@testable import UnpaidDaemon
import Webhooks

@Suite struct AlertReportTests {
    let target = WebhookTarget(name: "chat", format: .feishu,
                               url: "https://open.feishu.cn/open-apis/bot/v2/hook/0f1e2d3c-robot-token",
                               secret: "feishu-signing-secret")

    @Test func deliveriesMaskRobotURLsAndSecrets() async throws {
        let bench = try AlertBench(rules: [changeRule(targets: ["chat"])], targets: [target])
        defer { bench.removeFiles() }
        try bench.record([usd("A", "1.00")], file: 1)
        try bench.record([usd("A", "1.00"), usd("B", "2.50")], file: 2)
        let entry = try await #require(try bench.ledger.deliveries().first)
        try bench.ledger.markDead(messageID: entry.messageID, target: "chat", attempts: 1,
                                  reason: "refused by \(target.url) signed with feishu-signing-secret\nsecond line",
                                  at: bench.time.now)
        let report = await AlertReports.deliveries(try bench.ledger.deliveries(), disabled: [],
                                             mask: SecretRedactor(targets: [target]), timeZone: TimeZone(identifier: "UTC")!)
        for format in TabularReport.Format.allCases {
            let text = report.render(format)
            #expect(!text.contains("robot-token") && !text.contains("feishu-signing-secret"), "\(format)")
            #expect(text.contains("refused by https://open.feishu.cn/… signed with <secret> second line"), "\(format)")
        }
        #expect(report.rows.first?[6] == .text("dead") && report.rows.first?[7] == .integer(1))
    }

    @Test func alertsShowTheLastChangeExactly() async throws {
        let bench = try AlertBench(rules: [changeRule(targets: ["chat"])], targets: [target])
        defer { bench.removeFiles() }
        try bench.record([usd("A", "0.10")], file: 1)
        try bench.record([usd("A", "0.10"), usd("B", "0.20")], file: 2)
        let csv = await AlertReports.alerts(try bench.ledger.alerts(), timeZone: TimeZone(identifier: "Asia/Shanghai")!)
            .render(.csv)
        let lines = csv.split(separator: "\r\n").map(String.init)
        #expect(lines.first == "status,rule,job,organization,currency,firing_since,resolved_at,before,after,delta,"
            + "orders_before,orders_after,highlighted_orders,snapshot,pipeline")
        #expect(lines.count == 2 && lines[1].hasPrefix("firing,grew,daily,42,USD,2027-01-15T16:00:00+08:00,,0.10,0.30,0.20,1,2,B,"))
    }

    @Test func sampleMessageFormatsForEveryTarget() async throws {
        for format in WebhookFormat.allCases {
            let target = WebhookTarget(name: "t", format: format, url: "https://example.com/hook",
                                       secret: format == .standard ? AlertBench.secret : nil)
            let request = try WebhookFormatter.request(for: SampleNotification.make(for: target, now: 1_800_000_000),
                                                       to: target, now: 1_800_000_000)
            #expect(String(decoding: request.body, as: UTF8.self).contains("TEST-ORDER-1"), "\(format)")
        }
    }
}
