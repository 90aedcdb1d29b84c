import Testing
import Webhooks

@Suite struct WebhookSignerTests {
    @Test func standardWebhooksOfficialVector() async throws {
        let key = try #require(StandardWebhooksSigner.key(fromSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        let signature = StandardWebhooksSigner.signature(key: key, messageID: "msg_p5jXN8AQM9LWM0D4loKWxJek",
                                                         timestamp: 1_614_265_330, body: Array(#"{"test": 2432232314}"#.utf8))
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test func standardWebhooksSecretNeedsItsPrefix() {
        #expect(StandardWebhooksSigner.key(fromSecret: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") == nil)
        #expect(StandardWebhooksSigner.key(fromSecret: "whsec_not base64!") == nil)
    }

    @Test func feishuExample() {
        #expect(FeishuSigner.sign(timestamp: 1_700_000_000, secret: "test-secret")
            == "mbm4Y4oluIPQ00qlBIhX8vAZ0EKv3nw0LuTb91jPL84=")
    }

    @Test func dingTalkExample() {
        #expect(DingTalkSigner.sign(timestampMilliseconds: 1_700_000_000_000, secret: "SECtest")
            == "aZLLrriXgn05YbwaGR7knYsLeJADjr9NwLaNNKpxh4g=")
    }
}
