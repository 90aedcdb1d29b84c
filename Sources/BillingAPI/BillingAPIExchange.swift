import CoreMetrics
import CurlTransport
import Logging

/// One successful round trip: the decoded envelope, its raw JSON and the request id.
struct APIExchange {
    let envelope: APIEnvelope
    let body: [UInt8]
    let requestUUID: String?
}

extension BillingAPIClient {
    /// Sends the call, retrying what `retry` says may heal, and returns the first
    /// RetCode 0 answer (or, with `returningFailures`, the final failing one).
    func exchange(action: String, parameters: [(name: String, value: String)],
                  returningFailures: Bool = false) async throws(BillingAPIError) -> APIExchange {
        var attempt = 0
        while true {
            attempt += 1
            // Signed afresh each time so U-Timestamp-Ms tells the truth.
            if let pace {
                do { try await pace() } catch { throw .transport(.cancelled, attempts: attempt - 1) }
            }
            let request = signedRequest(action: action, parameters: parameters).httpRequest(timeouts: timeouts)
            let response: HTTPResponse
            do {
                response = try await transport.send(request)
            } catch {
                Self.count(action, outcome: "transport_error")
                guard retry.shouldRetry(error), attempt < retry.maxAttempts else {
                    throw .transport(error, attempts: attempt)
                }
                try await pause(retry.backoff(afterAttempt: attempt, jitter: jitter()), attempt: attempt,
                                action: action, reason: "\(error)")
                continue
            }
            let uuid = response.headers["X-UCLOUD-REQUEST-UUID"]
            guard response.status == 200 else {
                Self.count(action, outcome: "http_\(response.status)")
                guard retry.shouldRetry(httpStatus: response.status), attempt < retry.maxAttempts else {
                    throw .httpStatus(code: response.status, requestUUID: uuid, attempts: attempt)
                }
                let told = response.status == 429 ? retry.delay(retryAfter: response.headers["Retry-After"]) : nil
                try await pause(told ?? retry.backoff(afterAttempt: attempt, jitter: jitter()), attempt: attempt,
                                action: action, reason: "HTTP \(response.status)")
                continue
            }
            let envelope: APIEnvelope
            do throws(EnvelopeError) {
                envelope = try APIEnvelope(json: response.body)
            } catch {
                Self.count(action, outcome: "malformed_answer")
                switch error {
                case .notTheEnvelope(let detail):
                    throw .malformedResponse(detail, requestUUID: uuid)
                case .unreadable(let body):
                    // A body cut short heals like a 5xx: the next answer is usually whole.
                    guard attempt < retry.maxAttempts else {
                        throw .unreadableAnswer(action: action, body: body, requestUUID: uuid, attempts: attempt)
                    }
                    try await pause(retry.backoff(afterAttempt: attempt, jitter: jitter()), attempt: attempt,
                                    action: action, reason: "HTTP 200 with \(body)")
                    continue
                }
            }
            Self.count(action, outcome: "ret_code_\(envelope.retCode)")
            if envelope.retCode == 0 { return APIExchange(envelope: envelope, body: response.body, requestUUID: uuid) }
            let failure = APIFailure(action: action, retCode: envelope.retCode, message: envelope.message, requestUUID: uuid)
            guard retry.shouldRetry(retCode: envelope.retCode), attempt < retry.maxAttempts else {
                if returningFailures { return APIExchange(envelope: envelope, body: response.body, requestUUID: uuid) }
                throw .api(failure, attempts: attempt)
            }
            try await pause(retry.backoff(afterAttempt: attempt, jitter: jitter()), attempt: attempt,
                            action: action, reason: "RetCode \(envelope.retCode)")
        }
    }

    /// Every attempt, by what came back: `ret_code_N`, `http_N`, `malformed_answer` or
    /// `transport_error`. Reported through swift-metrics; a no-op unless a backend is bootstrapped.
    private static func count(_ action: String, outcome: String) {
        Counter(label: "unpaidd_api_requests_total", dimensions: [("action", action), ("outcome", outcome)]).increment()
    }

    private func pause(_ delay: Duration, attempt: Int, action: String, reason: String) async throws(BillingAPIError) {
        logger.warning("retrying billing API call", metadata: [
            "action": "\(action)", "attempt": "\(attempt)", "reason": "\(reason)", "delay": "\(delay)",
        ])
        do { try await sleep(delay) } catch { throw .transport(.cancelled, attempts: attempt) }
    }
}
