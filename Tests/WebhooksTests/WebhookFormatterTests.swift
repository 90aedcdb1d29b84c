import Foundation
import Testing
import UnpaidCore
@testable import Webhooks

@Suite struct WebhookFormatterTests {
    let now: Int64 = 1_800_000_700

    func json(_ request: WebhookRequest) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
    }

    @Test func standardIsSignedOverIDTimestampAndBody() async throws {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        let target = WebhookTarget(name: "hooks", format: .standard, url: "https://example.com/hook", secret: secret)
        let request = try WebhookFormatter.request(for: sampleNotification(), to: target, now: now)
        #expect(request.header("webhook-id") == "msg_test0001")
        #expect(request.header("webhook-timestamp") == String(now))
        let expected = StandardWebhooksSigner.signature(key: StandardWebhooksSigner.key(fromSecret: secret)!,
                                                        messageID: "msg_test0001", timestamp: now, body: request.body)
        #expect(request.header("webhook-signature") == expected)
        let body = try json(request)
        #expect(body["type"] as? String == "unpaid.alert.firing")
        #expect(body["timestamp"] as? String == "2027-01-15T08:10:00Z")
        let data = try #require(body["data"] as? [String: Any])
        #expect(data["organization_id"] as? Int == 42 && data["currency"] as? String == "USD")
        #expect(data["before_total"] as? String == "1000.00" && data["after_total"] as? String == "1250.50")
        #expect(data["delta"] as? String == "250.50" && data["relative_delta"] as? Double == 0.2505)
        #expect(data["new_orders"] as? Int == 3 && data["gone_orders"] as? Int == 1)
        let orders = try #require(data["orders"] as? [[String: Any]])
        #expect(orders.first?["order_no"] as? String == "ORD-9" && orders.first?["amount"] as? String == "200.25")
    }

    @Test func alertmanagerVersion4() async throws {
        let target = WebhookTarget(name: "am", format: .alertmanager, url: "http://127.0.0.1:9093/hook")
        let firing = try json(WebhookFormatter.request(for: sampleNotification(), to: target, now: now))
        #expect(firing["version"] as? String == "4" && firing["status"] as? String == "firing")
        #expect(firing["receiver"] as? String == "am" && firing["truncatedAlerts"] as? Int == 0)
        let alert = try #require((firing["alerts"] as? [[String: Any]])?.first)
        let labels = try #require(alert["labels"] as? [String: String])
        #expect(labels == ["alertname": "unpaid-growth", "job": "daily", "organization": "42", "currency": "USD"])
        #expect(alert["startsAt"] as? String == "2027-01-15T08:00:00Z")
        #expect(alert["endsAt"] as? String == "0001-01-01T00:00:00Z")
        #expect((alert["fingerprint"] as? String)?.count == 16)
        let resolved = try json(WebhookFormatter.request(for: sampleNotification(kind: .resolved), to: target, now: now))
        let ended = try #require((resolved["alerts"] as? [[String: Any]])?.first)
        #expect(resolved["status"] as? String == "resolved" && ended["endsAt"] as? String == "2027-01-15T08:10:00Z")
    }

    @Test func chatMessageSaysWhatMoved() async throws {
        let text = AlertMessageText.render(sampleNotification())
        #expect(text.contains("[FIRING] unpaid-growth · org 42 · USD"))
        #expect(text.contains("Unpaid: 1000.00 → 1250.50 (+250.50, +25.1%)"))
        #expect(text.contains("3 new, 1 paid or revoked"))
        #expect(text.hasSuffix("Largest:\n  ORD-9 200.25\n  ORD-8 50.25"))
        #expect(AlertMessageText.render(sampleNotification(kind: .resolved)).hasPrefix("[RESOLVED]"))
    }

    @Test func slackCarriesTheText() async throws {
        let target = WebhookTarget(name: "s", format: .slack, url: "https://hooks.slack.com/services/T/B/X")
        let request = try WebhookFormatter.request(for: sampleNotification(), to: target, now: now)
        #expect(try json(request)["text"] as? String == AlertMessageText.render(sampleNotification()))
        #expect(request.header("Idempotency-Key") == "msg_test0001")
    }

    @Test func feishuSignsInTheBody() async throws {
        let target = WebhookTarget(name: "f", format: .feishu, url: "https://open.feishu.cn/open-apis/bot/v2/hook/abc",
                                   secret: "test-secret")
        let body = try json(WebhookFormatter.request(for: sampleNotification(), to: target, now: 1_700_000_000))
        #expect(body["timestamp"] as? String == "1700000000")
        #expect(body["sign"] as? String == "mbm4Y4oluIPQ00qlBIhX8vAZ0EKv3nw0LuTb91jPL84=")
        #expect(body["msg_type"] as? String == "text")
        #expect((body["content"] as? [String: String])?["text"]?.hasPrefix("[FIRING]") == true)
        var unsigned = target
        unsigned.secret = nil
        let plain = try json(WebhookFormatter.request(for: sampleNotification(), to: unsigned, now: 1_700_000_000))
        #expect(plain["sign"] == nil && plain["timestamp"] == nil)
    }

    @Test func dingTalkSignsInTheQuery() async throws {
        let target = WebhookTarget(name: "d", format: .dingtalk,
                                   url: "https://oapi.dingtalk.com/robot/send?access_token=T", secret: "SECtest")
        let request = try WebhookFormatter.request(for: sampleNotification(), to: target, now: 1_700_000_000)
        #expect(request.url == "https://oapi.dingtalk.com/robot/send?access_token=T&timestamp=1700000000000"
            + "&sign=aZLLrriXgn05YbwaGR7knYsLeJADjr9NwLaNNKpxh4g%3D")
        let body = try json(request)
        #expect(body["msgtype"] as? String == "text")
        #expect((body["text"] as? [String: String])?["content"]?.contains("org 42") == true)
    }

    @Test func wecomIsUnsigned() async throws {
        let target = WebhookTarget(name: "w", format: .wecom, url: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K")
        let request = try WebhookFormatter.request(for: sampleNotification(), to: target, now: now)
        #expect(request.url == target.url)
        let body = try json(request)
        #expect(body["msgtype"] as? String == "text")
        #expect((body["text"] as? [String: String])?["content"] == AlertMessageText.render(sampleNotification()))
    }
}
