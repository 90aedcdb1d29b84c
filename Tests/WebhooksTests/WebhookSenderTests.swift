import Foundation
import Logging
import LoopbackTestSupport
import Testing
import UnpaidCore
import Webhooks
import SeededRandomness

@Suite struct WebhookSenderTests {
    let sender = WebhookSender(client: URLSessionWebhookClient(), logger: Logger(label: "test"))
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    @Test func deliversASignedMessageTheReceiverCanVerify() async throws {
        try await ScriptedReceiver.serving([.init(204)]) { base, receiver in
            let target = WebhookTarget(name: "hooks", format: .standard, url: base + "/hook", secret: secret)
            #expect(await sender.attempt(sampleNotification(), to: target, now: 1_800_000_700) == .delivered)
            let received = try #require(await receiver.received.first)
            let id = try #require(received.headers["webhook-id"]), timestamp = try #require(received.headers["webhook-timestamp"])
            let expected = StandardWebhooksSigner.signature(key: StandardWebhooksSigner.key(fromSecret: secret)!,
                                                            messageID: id, timestamp: Int64(timestamp)!, body: received.body)
            #expect(received.headers["webhook-signature"] == expected)
            #expect(received.json["type"] as? String == "unpaid.alert.firing")
        }
    }

    @Test func retriesKeepTheMessageIDUntilTheReceiverRecovers() async throws {
        let failures = [ScriptedReceiver.Reply(503, "busy"), .init(502), .init(500, "oops"), .init(200)]
        try await ScriptedReceiver.serving(failures) { base, receiver in
            let target = WebhookTarget(name: "hooks", format: .standard, url: base + "/hook", secret: secret)
            let schedule = RetrySchedule(firstDelay: 5, jitter: 0.2)
            var rng = SplitMix64(seed: 42)
            var now: Int64 = 1_800_000_600
            var outcomes: [DeliveryOutcome] = []
            // Drives the clock from the schedule instead of sleeping.
            while outcomes.last != .delivered, outcomes.count < 10 {
                let outcome = await sender.attempt(sampleNotification(), to: target, now: now)
                outcomes.append(outcome)
                guard case .retry(let after, _) = outcome else { continue }
                guard case .retry(let at) = schedule.next(afterAttempts: outcomes.count, createdAt: 1_800_000_600,
                                                          now: now, retryAfter: after, using: &rng)
                else { Issue.record("gave up"); return }
                #expect(at > now)
                now = at
            }
            #expect(outcomes.count == 4 && outcomes.last == .delivered)
            let received = await receiver.received
            #expect(Set(received.map { $0.headers["webhook-id"] }) == ["msg_test0001"])
            #expect(Set(received.map { $0.headers["webhook-timestamp"] }).count == 4)  // re-signed each time
        }
    }

    @Test func goneDisablesTheTarget() async throws {
        try await ScriptedReceiver.serving([.init(410)]) { base, _ in
            let target = WebhookTarget(name: "slack", format: .slack, url: base + "/services/x")
            #expect(await sender.attempt(sampleNotification(), to: target, now: 1) == .disableTarget(reason: "HTTP 410 Gone: the endpoint was removed"))
        }
    }

    @Test func feishuErrorCodeIsAFailureDespiteHTTP200() async throws {
        try await ScriptedReceiver.serving([.init(200, #"{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time"}"#)]) { base, receiver in
            let target = WebhookTarget(name: "feishu", format: .feishu, url: base + "/open-apis/bot/v2/hook/abc", secret: "s")
            let outcome = await sender.attempt(sampleNotification(), to: target, now: 1_700_000_000)
            #expect(outcome == .permanentFailure(reason: "feishu code 19021: sign match fail or timestamp is not within one hour from current time"))
            let body = try #require(await receiver.received.first).json
            #expect(body["sign"] as? String == FeishuSigner.sign(timestamp: 1_700_000_000, secret: "s"))
        }
    }

    @Test func retryAfterFromTheReceiverSetsTheNextAttempt() async throws {
        try await ScriptedReceiver.serving([.init(429, headers: ["Retry-After": "600"])]) { base, _ in
            let target = WebhookTarget(name: "am", format: .alertmanager, url: base + "/api")
            let outcome = await sender.attempt(sampleNotification(), to: target, now: 1_000)
            guard case .retry(let after, _) = outcome else { Issue.record("\(outcome)"); return }
            #expect(after == 600)
            var rng = SplitMix64(seed: 1)
            #expect(RetrySchedule().next(afterAttempts: 1, createdAt: 1_000, now: 1_000, retryAfter: after, using: &rng)
                == .retry(at: 1_600))
        }
    }

    @Test func dingTalkSignatureArrivesInTheQuery() async throws {
        try await ScriptedReceiver.serving([.init(200, #"{"errcode":0,"errmsg":"ok"}"#)]) { base, receiver in
            let target = WebhookTarget(name: "ding", format: .dingtalk, url: base + "/robot/send?access_token=T", secret: "SECtest")
            #expect(await sender.attempt(sampleNotification(), to: target, now: 1_700_000_000) == .delivered)
            let uri = try #require(await receiver.received.first).uri
            #expect(uri == "/robot/send?access_token=T&timestamp=1700000000000&sign=aZLLrriXgn05YbwaGR7knYsLeJADjr9NwLaNNKpxh4g%3D")
        }
    }

    @Test func noListenerMeansRetryWithoutLeakingTheURL() async throws {
        // Bind and close a port so nothing listens there.
        let port = try await ScriptedReceiver.serving([.init(200)]) { base, _ in base }
        let target = WebhookTarget(name: "wecom", format: .wecom, url: port + "/cgi-bin/webhook/send?key=SECRETKEY")
        let outcome = await sender.attempt(sampleNotification(), to: target, now: 1)
        guard case .retry(nil, let reason) = outcome else { Issue.record("\(outcome)"); return }
        #expect(!reason.contains("SECRETKEY"))
    }
}
