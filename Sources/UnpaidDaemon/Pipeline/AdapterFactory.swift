import BillingAPI
import CurlTransport
import Logging
import XLSXReader

/// The adapters a configuration describes, built in one place.
extension Configuration {
    /// `rateLimit` paces every request the client sends, retries included.
    public func makeAPIClient(privateKey: String, logger: Logger, rateLimit: (any APICallLimit)? = nil) -> BillingAPIClient {
        var pace: (@Sendable () async throws -> Void)?
        if let rateLimit { pace = { try await rateLimit.acquire() } }
        return BillingAPIClient(
            endpoint: api.endpoint,
            credentials: APICredentials(publicKey: api.publicKey, privateKey: privateKey),
            common: CommonParameters(region: api.region, zone: api.zone, projectId: api.projectID),
            transport: CurlHTTPTransport(),
            retry: RetryPolicy(maxAttempts: api.maxAttempts),
            timeouts: HTTPTimeouts(connect: .seconds(min(10, api.requestTimeoutSeconds)),
                                   total: .milliseconds(Int64(api.requestTimeoutSeconds * 1000))),
            logger: logger,
            pace: pace)
    }

    func makeDownloader() -> CurlDownloader {
        CurlDownloader(
            spoolDirectory: storage.spoolDirectory,
            policy: DownloadPolicy(allowedHostSuffixes: download.allowedHosts,
                                   allowsInsecureLoopback: download.allowHTTPLoopback),
            timeouts: HTTPTimeouts(connect: .milliseconds(Int64(download.connectTimeoutSeconds * 1000)),
                                   total: .milliseconds(Int64(download.totalTimeoutSeconds * 1000)),
                                   lowSpeedBytesPerSecond: download.lowSpeedBytesPerSecond,
                                   lowSpeedTime: .milliseconds(Int64(download.lowSpeedSeconds * 1000))),
            maxResumes: download.resumeAttempts)
    }
}

extension ExportSettings {
    var readerLimits: XLSXLimits {
        var limits = XLSXLimits()
        limits.maxUncompressedEntryBytes = UInt64(maxUncompressedBytes)
        limits.maxCompressionRatio = UInt64(maxCompressionRatio)
        limits.maxColumns = maxColumns
        return limits
    }
}
