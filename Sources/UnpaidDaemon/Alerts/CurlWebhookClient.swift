import CurlTransport
import Webhooks

/// Webhook POSTs over libcurl: redirects are not followed (the transport never does),
/// and the target's timeout bounds the whole exchange.
public struct CurlWebhookClient: WebhookHTTPClient {
    let transport: CurlHTTPTransport

    /// Receivers answer briefly; a megabyte is plenty for an error page worth logging.
    public init(transport: CurlHTTPTransport = CurlHTTPTransport(maxResponseBytes: 1 << 20)) {
        self.transport = transport
    }

    public func post(_ request: WebhookRequest, timeout: Duration) async throws -> WebhookResponse {
        let timeouts = HTTPTimeouts(connect: min(timeout, .seconds(10)), total: timeout,
                                    lowSpeedBytesPerSecond: 1, lowSpeedTime: timeout)
        let response = try await transport.send(HTTPRequest(
            method: "POST", url: request.url,
            headers: HTTPHeaders(request.headers.map { (name: $0.0, value: $0.1) }),
            body: request.body, timeouts: timeouts))
        return WebhookResponse(status: response.status, headers: response.headers.map { ($0.name, $0.value) },
                               body: response.body)
    }
}
