import CurlTransport
import Foundation
import Logging
import UnpaidCore

/// What `DownloadListUnpaidOrders` returns: a short-lived presigned URL to download at once.
public struct UnpaidOrdersExport: Sendable, Hashable, CustomStringConvertible {
    /// Secret until it expires: never log it, see `URLRedaction`.
    public var downloadURL: String
    public var fileName: String
    /// Bytes, as announced by the API; nil when it was absent or zero.
    public var fileSize: Int64?
    public var requestUUID: String?

    public init(downloadURL: String, fileName: String, fileSize: Int64?, requestUUID: String?) {
        self.downloadURL = downloadURL
        self.fileName = fileName
        self.fileSize = fileSize
        self.requestUUID = requestUUID
    }

    public var description: String {
        "\(fileName) (\(fileSize.map { "\($0) bytes" } ?? "size unknown")) at \(URLRedaction.redact(downloadURL))"
    }
}

/// The answer of `rawCall`: the envelope's JSON, whatever its RetCode.
public struct RawAPIResponse: Sendable, Hashable {
    public var json: [UInt8]
    public var retCode: Int
    public var requestUUID: String?

    public init(json: [UInt8], retCode: Int, requestUUID: String?) {
        self.json = json
        self.retCode = retCode
        self.requestUUID = requestUUID
    }
}

/// Signs, sends and retries calls to the billing API over any `HTTPTransport`.
public struct BillingAPIClient: Sendable {
    public static let version = UnpaiddVersion.current

    public let endpoint: String
    public let credentials: APICredentials
    public let common: CommonParameters
    public let transport: any HTTPTransport
    public let retry: RetryPolicy
    public let timeouts: HTTPTimeouts
    let sleep: @Sendable (Duration) async throws -> Void
    let jitter: @Sendable () -> Double
    let nowMilliseconds: @Sendable () -> Int64
    let logger: Logger
    /// Awaited before every request to the API: each attempt and retry, each call for a
    /// fresh download URL. The daemon's shared rate limit, so retries count against it too.
    let pace: (@Sendable () async throws -> Void)?

    /// - Parameters:
    ///   - sleep: waits between attempts; tests pass one that records instead of sleeping.
    ///   - jitter: a random number in `0...1` per retry.
    ///   - pace: waits until a request may go; throwing (cancelled) ends the call.
    public init(endpoint: String, credentials: APICredentials, common: CommonParameters = CommonParameters(),
                transport: any HTTPTransport, retry: RetryPolicy = RetryPolicy(),
                timeouts: HTTPTimeouts = HTTPTimeouts(connect: .seconds(10), total: .seconds(60)),
                sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
                jitter: @escaping @Sendable () -> Double = { Double.random(in: 0...1) },
                nowMilliseconds: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) },
                logger: Logger = Logger(label: "unpaidd.billing-api"),
                pace: (@Sendable () async throws -> Void)? = nil) {
        self.endpoint = endpoint
        self.credentials = credentials
        self.common = common
        self.transport = transport
        self.retry = retry
        self.timeouts = timeouts
        self.sleep = sleep
        self.jitter = jitter
        self.nowMilliseconds = nowMilliseconds
        self.logger = logger
        self.pace = pace
    }

    /// The signed request for any action: `Action`, `PublicKey`, common parameters, then `parameters`.
    public func signedRequest(action: String, parameters: [(name: String, value: String)]) -> SignedAPIRequest {
        let all = [(name: "Action", value: action), (name: "PublicKey", value: credentials.publicKey)]
            + common.parameters + parameters
        let headers: HTTPHeaders = [
            "Content-Type": "application/x-www-form-urlencoded",
            "U-Timestamp-Ms": String(nowMilliseconds()),
            "User-Agent": "unpaidd/\(Self.version)",
        ]
        return SignedAPIRequest(endpoint: endpoint, action: action, parameters: all,
                                credentials: credentials, headers: headers)
    }

    public func signedRequest(for query: UnpaidOrdersQuery) throws(BillingAPIError) -> SignedAPIRequest {
        try query.validate()
        return signedRequest(action: "DownloadListUnpaidOrders", parameters: query.parameters)
    }

    public func downloadListUnpaidOrders(_ query: UnpaidOrdersQuery) async throws(BillingAPIError) -> UnpaidOrdersExport {
        try query.validate()
        let answer = try await exchange(action: "DownloadListUnpaidOrders", parameters: query.parameters)
        let (envelope, uuid) = (answer.envelope, answer.requestUUID)
        guard let url = envelope.string("DownloadURL"), !url.isEmpty else {
            throw .malformedResponse("DownloadURL is missing", requestUUID: uuid)
        }
        let size = envelope.integer("FileSize").flatMap { $0 > 0 ? $0 : nil }
        return UnpaidOrdersExport(downloadURL: url, fileName: envelope.string("FileName") ?? "",
                                  fileSize: size, requestUUID: uuid)
    }

    /// Any action, for `unpaidd call`: retried like the others, but a final non-zero
    /// RetCode is returned rather than thrown, so the person sees the API's own answer.
    public func rawCall(action: String, parameters: [(name: String, value: String)]) async throws(BillingAPIError) -> RawAPIResponse {
        let answer = try await exchange(action: action, parameters: parameters, returningFailures: true)
        return RawAPIResponse(json: answer.body, retCode: answer.envelope.retCode, requestUUID: answer.requestUUID)
    }
}
