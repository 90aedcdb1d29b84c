import Testing
@testable import Webhooks
import SeededRandomness

@Suite struct ResponseClassifierTests {
    func classify(_ status: Int, _ body: String = "", format: WebhookFormat = .standard,
                  headers: [(String, String)] = []) -> DeliveryOutcome {
        ResponseClassifier.classify(WebhookResponse(status: status, headers: headers, body: Array(body.utf8)),
                                    format: format, now: 1_800_000_000)
    }

    @Test func statusCodes() {
        #expect(classify(200) == .delivered)
        #expect(classify(204, format: .alertmanager) == .delivered)
        #expect(classify(410) == .disableTarget(reason: "HTTP 410 Gone: the endpoint was removed"))
        #expect(classify(429, "slow down", headers: [("retry-after", "30")]) == .retry(after: 30, reason: "HTTP 429: slow down"))
        #expect(classify(503) == .retry(after: nil, reason: "HTTP 503"))
        #expect(classify(301) == .permanentFailure(reason: "HTTP 301"))
        #expect(classify(400, "bad\nrequest") == .permanentFailure(reason: "HTTP 400: bad request"))
    }

    @Test func robotsReportErrorsInsideHTTP200() {
        #expect(classify(200, #"{"code":0,"msg":"success","data":{}}"#, format: .feishu) == .delivered)
        #expect(classify(200, #"{"code":19021,"msg":"sign match fail"}"#, format: .feishu)
            == .permanentFailure(reason: "feishu code 19021: sign match fail"))
        #expect(classify(200, #"{"errcode":0,"errmsg":"ok"}"#, format: .dingtalk) == .delivered)
        #expect(classify(200, #"{"errcode":310000,"errmsg":"sign not match"}"#, format: .dingtalk)
            == .permanentFailure(reason: "dingtalk errcode 310000: sign not match"))
        #expect(classify(200, #"{"errcode":130101,"errmsg":"send too fast"}"#, format: .dingtalk)
            == .retry(after: nil, reason: "dingtalk errcode 130101: send too fast"))
        #expect(classify(200, #"{"errcode":93000,"errmsg":"invalid webhook url"}"#, format: .wecom)
            == .permanentFailure(reason: "wecom errcode 93000: invalid webhook url"))
        if case .permanentFailure = classify(200, "ok", format: .wecom) {} else { Issue.record("plain ok accepted from wecom") }
        #expect(classify(200, "ok", format: .slack) == .delivered)
    }

    @Test func retryAfterAsSecondsOrHTTPDate() {
        #expect(ResponseClassifier.retryAfter("120", now: 0) == 120)
        #expect(ResponseClassifier.retryAfter(" 7 ", now: 0) == 7)
        // 2027-01-15T08:00:00Z is 1_800_000_000.
        #expect(ResponseClassifier.retryAfter("Fri, 15 Jan 2027 08:01:30 GMT", now: 1_800_000_000) == 90)
        #expect(ResponseClassifier.retryAfter("Fri, 15 Jan 2027 07:00:00 GMT", now: 1_800_000_000) == 0)
        #expect(ResponseClassifier.retryAfter("soon", now: 0) == nil)
        #expect(ResponseClassifier.retryAfter(nil, now: 0) == nil)
    }
}

@Suite struct RetryScheduleTests {
    @Test func delaysDoubleUpToTheCap() {
        let schedule = RetrySchedule(firstDelay: 5, maxDelay: 3600, maxAge: 3 * 86_400, jitter: 0)
        #expect((1...12).map { schedule.delay(afterAttempts: $0) }
            == [5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600])
    }

    @Test func jitterOnlyShortensAndIsReproducible() {
        let schedule = RetrySchedule(firstDelay: 100, maxDelay: 100_000, maxAge: 10 * 86_400, jitter: 0.5)
        var a = SplitMix64(seed: 1), b = SplitMix64(seed: 1)
        var seen = Set<Int64>()
        for attempt in 1...8 {
            let decision = schedule.next(afterAttempts: attempt, createdAt: 0, now: 1000, retryAfter: nil, using: &a)
            #expect(decision == schedule.next(afterAttempts: attempt, createdAt: 0, now: 1000, retryAfter: nil, using: &b))
            guard case .retry(let at) = decision else { Issue.record("gave up early"); continue }
            let full = schedule.delay(afterAttempts: attempt)
            #expect((1000 + full / 2...1000 + full).contains(at))
            seen.insert((at - 1000) * 1000 / full)
        }
        #expect(seen.count > 1)  // the jitter actually varies
    }

    @Test func retryAfterIsAFloor() {
        let schedule = RetrySchedule(firstDelay: 5, jitter: 0)
        var rng = SplitMix64(seed: 9)
        #expect(schedule.next(afterAttempts: 1, createdAt: 0, now: 10, retryAfter: 120, using: &rng) == .retry(at: 130))
        #expect(schedule.next(afterAttempts: 1, createdAt: 0, now: 10, retryAfter: 1, using: &rng) == .retry(at: 15))
    }

    @Test func tooOldIsDead() {
        let schedule = RetrySchedule(firstDelay: 5, maxDelay: 3600, maxAge: 86_400, jitter: 0)
        var rng = SplitMix64(seed: 3)
        #expect(schedule.next(afterAttempts: 20, createdAt: 0, now: 82_800, retryAfter: nil, using: &rng) == .retry(at: 86_400))
        guard case .dead(let reason) = schedule.next(afterAttempts: 21, createdAt: 0, now: 86_000, retryAfter: nil, using: &rng)
        else { Issue.record("retried past max age"); return }
        #expect(reason.contains("21 attempts"))
    }
}

@Suite struct WebhookTargetTests {
    @Test func descriptionsHideURLsAndSecrets() {
        let target = WebhookTarget(name: "ding", format: .dingtalk,
                                   url: "https://oapi.dingtalk.com/robot/send?access_token=TOKEN123", secret: "SECabc")
        #expect(target.description == "target \"ding\" (dingtalk, https://oapi.dingtalk.com/…, secret set, resolved notifications on)")
        #expect(WebhookTarget.masked("https://user:pw@hooks.example.com:8443/x") == "https://hooks.example.com:8443/…")
        #expect(WebhookTarget.masked("not a url") == "<url hidden>")
    }

    @Test func senderRedactsURLsInTransportErrors() {
        let target = WebhookTarget(name: "ding", format: .dingtalk,
                                   url: "https://oapi.dingtalk.com/robot/send?access_token=TOKEN123", secret: "SECabc")
        let text = "could not connect to https://oapi.dingtalk.com/robot/send?access_token=TOKEN123&timestamp=1&sign=x (SECabc)"
        let redacted = WebhookSender.redacted(text, for: target)
        #expect(redacted == "could not connect to https://oapi.dingtalk.com/… (<secret>)")
    }

    @Test func validationNamesTheField() {
        func field(_ target: WebhookTarget) -> String? {
            do { try target.validate(); return nil } catch { return error.field }
        }
        #expect(field(WebhookTarget(name: "s", format: .standard, url: "https://a.example/h",
                                    secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")) == nil)
        #expect(field(WebhookTarget(name: "s", format: .standard, url: "https://a.example/h")) == "secret")
        #expect(field(WebhookTarget(name: "s", format: .standard, url: "https://a.example/h", secret: "whsec_AAAA")) == "secret")
        #expect(field(WebhookTarget(name: "s", format: .slack, url: "ftp://a.example/h")) == "url")
        #expect(field(WebhookTarget(name: "s", format: .slack, url: "https:///h")) == "url")
        #expect(field(WebhookTarget(name: "s", format: .slack, url: "https://a.example/h", secret: "x")) == "secret")
        #expect(field(WebhookTarget(name: "s", format: .feishu, url: "https://a.example/h", timeout: .zero)) == "timeout")
        #expect(field(WebhookTarget(name: " ", format: .wecom, url: "https://a.example/h")) == "name")
    }

    @Test func resolvedNotificationsCanBeTurnedOff() {
        let quiet = WebhookTarget(name: "q", format: .slack, url: "https://a.example/h", sendResolved: false)
        #expect(quiet.accepts(sampleNotification(kind: .firing)))
        #expect(quiet.accepts(sampleNotification(kind: .repeat)))
        #expect(!quiet.accepts(sampleNotification(kind: .resolved)))
    }
}
