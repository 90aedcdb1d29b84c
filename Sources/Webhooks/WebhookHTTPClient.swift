/// A request ready to send: formatting and signing are done, only I/O is left.
public struct WebhookRequest: Sendable {
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(url: String, headers: [(String, String)], body: [UInt8]) {
        self.url = url
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

public struct WebhookResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

/// The one thing delivery needs from an HTTP stack: POST, without following redirects
/// (a webhook answering 3xx has not taken the message).
///
/// A thrown error means no response came back (refused, reset, timed out); its
/// description should not contain the URL, and the sender masks it anyway.
public protocol WebhookHTTPClient: Sendable {
    func post(_ request: WebhookRequest, timeout: Duration) async throws -> WebhookResponse
}
