import CurlTransport

/// A downloaded export with the API's account of it.
public struct FetchedExport: Sendable, Hashable {
    public var export: UnpaidOrdersExport
    public var file: DownloadedFile
    /// How many times the URL had to be asked for again (expired or rejected).
    public var urlRefreshes: Int

    public init(export: UnpaidOrdersExport, file: DownloadedFile, urlRefreshes: Int) {
        self.export = export
        self.file = file
        self.urlRefreshes = urlRefreshes
    }
}

/// Gets one organization's unpaid-orders export onto disk: asks the API for a
/// presigned URL and downloads it at once. A URL that is refused (401/403/404) has
/// usually expired, so a bounded number of fresh ones are asked for.
public struct ExportFetcher: Sendable {
    public let client: BillingAPIClient
    public let downloader: any FileDownloader
    public let maxURLRefreshes: Int

    public init(client: BillingAPIClient, downloader: any FileDownloader, maxURLRefreshes: Int = 2) {
        self.client = client
        self.downloader = downloader
        self.maxURLRefreshes = max(0, maxURLRefreshes)
    }

    public func fetch(_ query: UnpaidOrdersQuery) async throws(BillingAPIError) -> FetchedExport {
        var refreshes = 0
        while true {
            let export = try await client.downloadListUnpaidOrders(query)
            do {
                let file = try await downloader.download(export.downloadURL, expectedSize: export.fileSize)
                return FetchedExport(export: export, file: file, urlRefreshes: refreshes)
            } catch {
                guard error.isURLRejected, refreshes < maxURLRefreshes else {
                    throw .download(error, urlRefreshes: refreshes)
                }
                client.logger.notice("download URL refused, asking for a fresh one", metadata: [
                    "file": "\(export.fileName)", "error": "\(error)",
                    "request": "\(export.requestUUID ?? "-")",
                ])
                refreshes += 1
            }
        }
    }
}
