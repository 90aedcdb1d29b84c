import BillingAPI
import CurlTransport
import LoopbackTestSupport
import Synchronization
import Testing
import UnpaidCore

@Suite struct RetryTests {
    static let query = UnpaidOrdersQuery(window: try! BillingWindow(start: 1_761_926_400, end: 1_764_518_400))
    static let success = #"{"Action":"DownloadListUnpaidOrdersResponse","RetCode":0,"Data":{"DownloadURL":"https://b.ufileos.com/x","FileName":"x.xlsx","FileSize":1}}"#

    func client(port: Int, privateKey: String = FakeCloud.privateKey, publicKey: String = FakeCloud.publicKey,
                retry: RetryPolicy = RetryPolicy(), sleeps: SleepRecorder,
                pace: (@Sendable () async throws -> Void)? = nil) -> BillingAPIClient {
        BillingAPIClient(endpoint: "http://127.0.0.1:\(port)/",
                         credentials: APICredentials(publicKey: publicKey, privateKey: privateKey),
                         transport: CurlHTTPTransport(), retry: retry, sleep: sleeps.sleep, jitter: { 0 }, pace: pace)
    }

    /// The daemon's rate limit must see retries too, or a throttled API gets hit harder.
    @Test func everyAttemptWaitsForThePace() async throws {
        let cloud = FakeCloud(), sleeps = SleepRecorder(), paced = Mutex(0)
        cloud.script([.http(503), .envelope(#"{"RetCode":153,"Message":"throttled"}"#), .envelope(Self.success)])
        _ = try await withLoopbackServer(cloud.router) { port in
            try await client(port: port, sleeps: sleeps, pace: { paced.withLock { $0 += 1 } })
                .downloadListUnpaidOrders(Self.query)
        }
        #expect(paced.withLock { $0 } == 3 && cloud.calls.count == 3)
    }

    @Test func aPaceThatThrowsEndsTheCallBeforeAnyRequest() async throws {
        let cloud = FakeCloud(), sleeps = SleepRecorder()
        let error = try await withLoopbackServer(cloud.router) { port in
            await #expect(throws: BillingAPIError.self) {
                try await client(port: port, sleeps: sleeps, pace: { throw CancellationError() })
                    .downloadListUnpaidOrders(Self.query)
            }
        }
        guard case .transport(.cancelled, attempts: 0) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(cloud.calls.isEmpty)
    }

    @Test func http429HonoursRetryAfterThenSucceeds() async throws {
        let cloud = FakeCloud(), sleeps = SleepRecorder()
        cloud.script([.http(429, retryAfter: "3"), .envelope(Self.success)])
        let export = try await withLoopbackServer(cloud.router) { port in
            try await client(port: port, sleeps: sleeps).downloadListUnpaidOrders(Self.query)
        }
        #expect(export.requestUUID == "req-2")
        #expect(sleeps.all == [.seconds(3)])
        #expect(cloud.calls.count == 2)
    }

    @Test func retCode153IsRetriedWithBackoff() async throws {
        let cloud = FakeCloud(), sleeps = SleepRecorder()
        cloud.script([.envelope(#"{"RetCode":153,"Message":"throttled"}"#), .envelope(#"{"RetCode":2001,"Message":"busy"}"#),
                      .envelope(Self.success)])
        _ = try await withLoopbackServer(cloud.router) { port in
            try await client(port: port, sleeps: sleeps).downloadListUnpaidOrders(Self.query)
        }
        // jitter 0: half of 200 ms, then half of 400 ms.
        #expect(sleeps.all == [.milliseconds(100), .milliseconds(200)])
    }

    @Test func badSignatureFailsFastWithAHint() async throws {
        let cloud = FakeCloud(), sleeps = SleepRecorder()
        let error = try await withLoopbackServer(cloud.router) { port in
            await #expect(throws: BillingAPIError.self) {
                try await client(port: port, privateKey: "wrong", sleeps: sleeps).downloadListUnpaidOrders(Self.query)
            }
        }
        guard case .api(let failure, let attempts) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(failure.retCode == 171 && attempts == 1 && failure.requestUUID == "req-1")
        #expect(error?.description == "signature rejected (RetCode 171): check the private key [request req-1]")
        #expect(sleeps.all.isEmpty)
        #expect(cloud.calls.count == 1)
    }

    @Test func unknownPublicKeyFailsFast() async throws {
        let cloud = FakeCloud(), sleeps = SleepRecorder()
        let error = try await withLoopbackServer(cloud.router) { port in
            await #expect(throws: BillingAPIError.self) {
                try await client(port: port, publicKey: "nobody", sleeps: sleeps).downloadListUnpaidOrders(Self.query)
            }
        }
        #expect(error?.description.hasPrefix("public key not found (RetCode 172): check public_key") == true)
        #expect(cloud.calls.count == 1)
    }

    @Test func invalidParameterShowsTheAPIMessage() async throws {
        let cloud = FakeCloud(), sleeps = SleepRecorder()
        cloud.script([.envelope(#"{"RetCode":230,"Message":"Params [EndTime] not valid"}"#)])
        let error = try await withLoopbackServer(cloud.router) { port in
            await #expect(throws: BillingAPIError.self) {
                try await client(port: port, sleeps: sleeps).downloadListUnpaidOrders(Self.query)
            }
        }
        #expect(error?.description == "a parameter is not valid (RetCode 230): Params [EndTime] not valid [request req-1]")
    }

    @Test func attemptsAreBoundedWithCappedBackoff() async throws {
        let cloud = FakeCloud(), sleeps = SleepRecorder()
        cloud.script(Array(repeating: .http(503), count: 10))
        let retry = RetryPolicy(maxAttempts: 5, baseDelay: .milliseconds(200), maxDelay: .milliseconds(500))
        let error = try await withLoopbackServer(cloud.router) { port in
            await #expect(throws: BillingAPIError.self) {
                try await client(port: port, retry: retry, sleeps: sleeps).downloadListUnpaidOrders(Self.query)
            }
        }
        #expect(error == .httpStatus(code: 503, requestUUID: "req-5", attempts: 5))
        #expect(cloud.calls.count == 5)
        #expect(sleeps.all == [.milliseconds(100), .milliseconds(200), .milliseconds(250), .milliseconds(250)])
    }

    @Test func transportErrorsAreRetriedThenReported() async throws {
        let sleeps = SleepRecorder()
        // Nothing listens on 127.0.0.1:1.
        let client = client(port: 1, retry: RetryPolicy(maxAttempts: 3), sleeps: sleeps)
        let error = await #expect(throws: BillingAPIError.self) { try await client.downloadListUnpaidOrders(Self.query) }
        guard case .transport(.connection, attempts: 3) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(sleeps.all.count == 2)
    }

    @Test func rawCallReturnsTheAPIsOwnFailingAnswer() async throws {
        let cloud = FakeCloud(), sleeps = SleepRecorder()
        let answer = #"{"Action":"GetOrderAmountResponse","RetCode":230,"Message":"Params [StartTime] not valid"}"#
        cloud.script([.envelope(answer)])
        let response = try await withLoopbackServer(cloud.router) { port in
            try await client(port: port, sleeps: sleeps).rawCall(action: "GetOrderAmount", parameters: [("StartTime", "x")])
        }
        #expect(response == RawAPIResponse(json: Array(answer.utf8), retCode: 230, requestUUID: "req-1"))
        #expect(sleeps.all.isEmpty)
    }

    /// The answer the issue saw: cut short in the middle of the presigned URL.
    static let truncated = #"{"Action":"DownloadListUnpaidOrdersResponse","RetCode":0,"Data":{"DownloadURL":"http://b.ufileos.com/x.xlsx?UCloudPublicKey=pk&Signature=Zm9vYmFy"#

    @Test func anAnswerThatIsNotCompleteJSONIsRetriedLikeA5xx() async throws {
        let cloud = FakeCloud(), sleeps = SleepRecorder()
        cloud.script([.envelope(Self.truncated), .envelope(""), .envelope("<html>bad gateway</html>"), .envelope(Self.success)])
        let export = try await withLoopbackServer(cloud.router) { port in
            try await client(port: port, sleeps: sleeps).downloadListUnpaidOrders(Self.query)
        }
        #expect(export.requestUUID == "req-4" && export.fileName == "x.xlsx")
        // The same backoff as HTTP 503 (jitter 0): half of 200, 400 and 800 ms.
        #expect(sleeps.all == [.milliseconds(100), .milliseconds(200), .milliseconds(400)])
    }

    @Test func anAnswerAlwaysCutShortFailsAfterMaxAttemptsWithoutEchoingIt() async throws {
        let cloud = FakeCloud(), sleeps = SleepRecorder(), log = RecordedLog()
        cloud.script(Array(repeating: .envelope(Self.truncated), count: 5))
        let error = try await withLoopbackServer(cloud.router) { port in
            let client = BillingAPIClient(endpoint: "http://127.0.0.1:\(port)/",
                                          credentials: APICredentials(publicKey: FakeCloud.publicKey, privateKey: FakeCloud.privateKey),
                                          transport: CurlHTTPTransport(), retry: RetryPolicy(maxAttempts: 3),
                                          sleep: sleeps.sleep, jitter: { 0 }, logger: log.logger)
            return await #expect(throws: BillingAPIError.self) { try await client.downloadListUnpaidOrders(Self.query) }
        }
        let body = UnreadableBody(byteCount: Self.truncated.utf8.count, shape: .incompleteJSON)
        #expect(error == .unreadableAnswer(action: "DownloadListUnpaidOrders", body: body, requestUUID: "req-3", attempts: 3))
        #expect(error?.description == "DownloadListUnpaidOrders answered HTTP 200 with \(Self.truncated.utf8.count) bytes "
            + "that are not complete JSON; gave up after 3 attempts [request req-3]")
        #expect(cloud.calls.count == 3 && sleeps.all.count == 2)
        #expect(log.all.count == 2)
        for text in log.all + [error?.description ?? ""] {
            #expect(!text.contains("ufileos") && !text.contains("Signature") && !text.contains("Zm9vYmFy") && !text.contains("{"), "\(text)")
        }
    }

    @Test func completeJSONThatIsNotTheEnvelopeIsReportedNotRetriedNorEchoed() async throws {
        let cloud = FakeCloud(), sleeps = SleepRecorder()
        cloud.script([.envelope(#"["https://b.ufileos.com/x?Signature=abc"]"#), .envelope(#"{"Message":"https://b.ufileos.com/x?Signature=abc"}"#)])
        let (notAnObject, noCode) = try await withLoopbackServer(cloud.router) { port in
            let client = client(port: port, sleeps: sleeps)
            let notAnObject = await #expect(throws: BillingAPIError.self) { try await client.downloadListUnpaidOrders(Self.query) }
            let noCode = await #expect(throws: BillingAPIError.self) { try await client.downloadListUnpaidOrders(Self.query) }
            return (notAnObject, noCode)
        }
        #expect(notAnObject == .malformedResponse("the JSON is not an object", requestUUID: "req-1"))
        #expect(noCode == .malformedResponse("the JSON object has no RetCode", requestUUID: "req-2"))
        #expect(cloud.calls.count == 2 && sleeps.all.isEmpty)
    }

    @Test func rawCallRetriesAnAnswerCutShortToo() async throws {
        let cloud = FakeCloud(), sleeps = SleepRecorder()
        cloud.script([.envelope(Self.truncated), .envelope(Self.success)])
        let response = try await withLoopbackServer(cloud.router) { port in
            try await client(port: port, sleeps: sleeps).rawCall(action: "DownloadListUnpaidOrders", parameters: [])
        }
        #expect(response.retCode == 0 && response.requestUUID == "req-2")
    }

    @Test func successWithoutADownloadURLIsMalformed() async throws {
        let cloud = FakeCloud(), sleeps = SleepRecorder()
        cloud.script([.envelope(#"{"RetCode":0,"Data":{"FileName":"x.xlsx"}}"#)])
        let error = try await withLoopbackServer(cloud.router) { port in
            await #expect(throws: BillingAPIError.self) {
                try await client(port: port, sleeps: sleeps).downloadListUnpaidOrders(Self.query)
            }
        }
        #expect(error == .malformedResponse("DownloadURL is missing", requestUUID: "req-1"))
    }

    @Test func backoffGrowsExponentiallyUpToTheCapWithJitter() {
        let policy = RetryPolicy()
        #expect(policy.backoff(afterAttempt: 1, jitter: 1) == .milliseconds(200))
        #expect(policy.backoff(afterAttempt: 3, jitter: 0.5) == .milliseconds(600))
        #expect(policy.backoff(afterAttempt: 40, jitter: 1) == .seconds(10))
        #expect(policy.backoff(afterAttempt: 40, jitter: 0) == .seconds(5))
        #expect(policy.delay(retryAfter: "120") == .seconds(60))
        #expect(policy.delay(retryAfter: "Wed, 21 Oct 2015 07:28:00 GMT") == nil)
        #expect(policy.shouldRetry(retCode: 150) && policy.shouldRetry(retCode: 2000))
        #expect(![160, 161, 171, 172, 230].contains { policy.shouldRetry(retCode: $0) })
    }
}
