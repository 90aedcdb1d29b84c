import CurlTransport

/// Which failures are worth another attempt, and how long to wait before it.
/// Signature, key and parameter errors are never retried: they cannot heal by waiting.
/// An HTTP 200 whose body is not complete JSON is always retried, as a 5xx is.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in total, the first included.
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// A `Retry-After` longer than this is cut down to it.
    public var maxRetryAfter: Duration
    public var retryableHTTPStatuses: Set<Int>
    /// 150 service unavailable, 153 throttled.
    public var retryableRetCodes: Set<Int>
    /// RetCodes at or above this are server-side faults.
    public var retryableRetCodesFrom: Int

    public init(maxAttempts: Int = 5, baseDelay: Duration = .milliseconds(200), maxDelay: Duration = .seconds(10),
                maxRetryAfter: Duration = .seconds(60),
                retryableHTTPStatuses: Set<Int> = [429, 500, 502, 503, 504],
                retryableRetCodes: Set<Int> = [150, 153], retryableRetCodesFrom: Int = 2000) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
        self.retryableHTTPStatuses = retryableHTTPStatuses
        self.retryableRetCodes = retryableRetCodes
        self.retryableRetCodesFrom = retryableRetCodesFrom
    }

    public func shouldRetry(httpStatus: Int) -> Bool { retryableHTTPStatuses.contains(httpStatus) }

    public func shouldRetry(retCode: Int) -> Bool {
        retryableRetCodes.contains(retCode) || retCode >= retryableRetCodesFrom
    }

    public func shouldRetry(_ error: TransportError) -> Bool {
        switch error {
        case .timeout, .connection: true
        default: false
        }
    }

    /// Capped exponential backoff with "equal jitter": half the step is fixed, half is
    /// random, so synchronized clients spread out without ever retrying at once.
    /// - Parameter jitter: a number in `0...1`.
    public func backoff(afterAttempt attempt: Int, jitter: Double) -> Duration {
        let exponent = min(max(0, attempt - 1), 30)
        let step = min(maxDelay, baseDelay * (1 << exponent))
        return step / 2 + step / 2 * min(1, max(0, jitter))
    }

    /// The server's `Retry-After` (delta-seconds form), bounded by `maxRetryAfter`.
    public func delay(retryAfter header: String?) -> Duration? {
        guard let header, let seconds = Int(header.trimmingSuffix()), seconds >= 0 else { return nil }
        return min(maxRetryAfter, .seconds(seconds))
    }
}

extension String {
    fileprivate func trimmingSuffix() -> String {
        String(self.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
