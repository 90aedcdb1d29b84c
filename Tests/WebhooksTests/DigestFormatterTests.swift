import Foundation
import Testing
import UnpaidCore
@testable import Webhooks

@Suite struct DigestFormatterTests {
    /// `count` alerts of one run: organizations 1..., a currency each, Chinese rule names.
    func digest(_ count: Int, runID: Int64? = 12) -> AlertDigest {
        AlertDigest(runID: runID, notifications: (1...count).map { index in
            var notification = sampleNotification(messageID: "msg_\(index)")
            notification.identity = AlertIdentity(rule: "欠费增长", job: "daily", organizationID: Int64(index),
                                                  currency: index.isMultiple(of: 2) ? "CNY" : "USD")
            return notification
        })
    }

    func json(_ request: WebhookRequest) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
    }

    @Test func theIDComesFromTheRowsWhateverTheirOrder() {
        let forward = digest(3)
        let backward = AlertDigest(runID: 12, notifications: forward.notifications.reversed())
        #expect(forward.messageID == backward.messageID && forward.messageID.hasPrefix("msg_"))
        #expect(forward.messageID.count == 4 + 32)
        #expect(digest(2).messageID != forward.messageID)
    }

    @Test func standardDigestIsSignedAndCarriesEveryAlert() async throws {
        let target = WebhookTarget(name: "hooks", format: .standard, url: "https://example.com/h",
                                   secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        let digest = digest(3)
        let request = try WebhookFormatter.request(for: digest, to: target, now: 1_800_000_700)
        #expect(request.header("webhook-id") == digest.messageID)
        let body = try json(request)
        #expect(body["type"] as? String == "unpaid.alert.digest")
        let data = try #require(body["data"] as? [String: Any])
        #expect(data["run_id"] as? Int == 12 && data["alert_count"] as? Int == 3 && data["jobs"] as? [String] == ["daily"])
        let alerts = try #require(data["alerts"] as? [[String: Any]])
        #expect(alerts.compactMap { $0["organization_id"] as? Int } == [1, 2, 3])
        #expect(alerts.compactMap { $0["message_id"] as? String } == ["msg_1", "msg_2", "msg_3"])
    }

    @Test func alertmanagerDigestIsOneGroupWithTheLabelsItsAlertsShare() async throws {
        let target = WebhookTarget(name: "am", format: .alertmanager, url: "http://127.0.0.1:9093/hook")
        let body = try json(WebhookFormatter.request(for: digest(3), to: target, now: 0))
        #expect(body["groupKey"] as? String == "{}:{run=\"12\"}" && body["status"] as? String == "firing")
        #expect((body["alerts"] as? [[String: Any]])?.count == 3)
        #expect(body["commonLabels"] as? [String: String] == ["alertname": "欠费增长", "job": "daily"])
    }

    @Test(arguments: ChatMessageCapTests.chatTargets)
    func aChatDigestOfHundredsOfAlertsStaysUnderTheCap(_ target: WebhookTarget) throws {
        let digest = digest(600)
        let cap = try #require(target.format.messageCap)
        let request = try WebhookFormatter.request(for: digest, to: target, now: 1_700_000_000)
        let text = try ChatMessageCapTests().sentText(request, format: target.format)
        #expect(ChatMessageCapTests().size(text, request, cap: cap) <= cap.limit)
        let full = DigestText.render(digest).split(separator: "\n", omittingEmptySubsequences: false)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first == "[DIGEST] 600 alerts · run 12 · job daily")
        #expect(Array(lines.dropLast()) == Array(full.prefix(lines.count - 1)))
        #expect(lines.last == Substring(ChatTextFitting.marker(dropped: full.count - (lines.count - 1))))
    }

    @Test func aDigestLineSaysWhoAndHowTheTotalMoved() {
        let line = DigestText.line(sampleNotification())
        #expect(line == "[FIRING] unpaid-growth · org 42 · USD: 1000.00 → 1250.50 (+250.50, +25.1%), orders 3 → 5")
        var stale = sampleNotification()
        stale.identity = AlertIdentity(rule: "stale", job: "daily", organizationID: 7, currency: nil)
        stale.pipeline = SeriesHealth(job: "daily", organizationID: 7, watchedSince: 0, lastSuccessAt: 1_800_000_000,
                                      lastSuccessSnapshotID: 3, consecutiveFailures: 2, lastFailureAt: 1_800_000_100,
                                      lastError: "fetch: RetCode 171\nsignature")
        #expect(DigestText.line(stale) == "[FIRING] stale · org 7: last snapshot 2027-01-15T08:00:00Z, "
            + "failed 2 times in a row, last error: fetch: RetCode 171 signature")
    }
}
