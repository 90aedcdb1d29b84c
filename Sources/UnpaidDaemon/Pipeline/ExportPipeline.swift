import BillingAPI
import CoreMetrics
import CurlTransport
import Foundation
import Ledger
import Logging
import OrderSpill
import UnpaidCore
import UnpaidExport
import UnpaidMetrics
import XLSXReader

/// The main job for one organization and window: ask the API for the export, download
/// it, parse every row, move the file into the archive, record the snapshot.
///
/// The ledger is written last and in one transaction (with the change since the previous
/// snapshot, the alerts and their outbox rows), so a failure at any stage leaves earlier
/// snapshots untouched and no partial snapshot behind.
public struct ExportPipeline: Sendable {
    public let configuration: Configuration
    public let ledger: any Ledger
    let fetcher: ExportFetcher
    let archive: FileArchive
    let rejected: FileArchive
    /// Files fetched while the data moved and replaced by a second fetch: not recorded,
    /// but an archive of every file fetched keeps them too.
    let superseded: FileArchive
    let logger: Logger
    let now: @Sendable () -> Date
    /// Shared by every run of the daemon, so all jobs together stay under the API's rate
    /// limit; every request counts, retries and URL refreshes included.
    public let apiRateLimit: (any APICallLimit)?

    public init(configuration: Configuration, ledger: any Ledger, privateKey: String, logger: Logger,
                apiRateLimit: (any APICallLimit)? = nil, now: @escaping @Sendable () -> Date = { Date() }) {
        self.configuration = configuration
        self.ledger = ledger
        self.apiRateLimit = apiRateLimit
        self.fetcher = ExportFetcher(client: configuration.makeAPIClient(privateKey: privateKey, logger: logger,
                                                                         rateLimit: apiRateLimit),
                                     downloader: configuration.makeDownloader(),
                                     maxURLRefreshes: configuration.download.urlRefreshes)
        self.archive = FileArchive(root: configuration.storage.archiveDirectory)
        self.rejected = FileArchive(root: configuration.storage.archiveDirectory + "/rejected")
        self.superseded = FileArchive(root: configuration.storage.archiveDirectory + "/superseded")
        self.logger = logger
        self.now = now
    }

    /// Fetches, parses, archives and records one organization's export; with `reconcile`,
    /// compares it with `GetOrderAmount` read right before the export request and right
    /// after the download, fetching it once more when it moved during the fetch. With
    /// `workItem` (a replica's claim on the organization), a ledger that replicas share
    /// records the snapshot only while that claim holds, and ends the item with it.
    public func snapshot(job: String, organizationID: Int64, window: BillingWindow, timeZone: TimeZone,
                         filters: QueryFilters, runID: RunID, reconcile: Bool = true,
                         workItem: SharedWorkItem? = nil) async throws(PipelineError) -> SnapshotRecord {
        func fail(_ stage: PipelineError.Stage, _ error: any Error, kept: String? = nil) -> PipelineError {
            PipelineError(organizationID: organizationID, stage: stage, message: "\(error)", rejectedFile: kept)
        }
        let periodLabel = window.label(in: timeZone)
        let started = ContinuousClock.now
        Gauge(label: MetricName.lastAttempt, dimensions: [("job", job), ("organization", String(organizationID))])
            .record(now().timeIntervalSince1970)
        let query = UnpaidOrdersQuery(window: window, organizationIDs: [organizationID], filters: filters)
        var parsed = try await fetchAndParse(query, periodLabel: periodLabel, reconcile: reconcile, refetched: false)
        if let first = parsed.reconciliation, Reconciler.shouldRefetch(first) {
            logger.notice("export moved during the fetch; fetching it once more", metadata: [
                "org": "\(organizationID)", "reason": "\(first.reason ?? "")",
            ])
            // The first file stands if the second fetch fails: it is only less certain.
            do throws(PipelineError) {
                let second = try await fetchAndParse(query, periodLabel: periodLabel, reconcile: true, refetched: true)
                keepSuperseded(parsed, organizationID: organizationID, periodLabel: periodLabel)
                parsed = second
            } catch {
                logger.warning("fetching the moved export again failed; recording the first one", metadata: [
                    "org": "\(organizationID)", "error": "\(error.message)",
                ])
            }
        }
        let (fetched, fetchedAt, orders) = (parsed.fetched, parsed.fetchedAt, parsed.orders)
        let spooled = fetched.file.path
        let archivePath: String
        let intent = ArchiveIntent(spoolDirectory: configuration.storage.spoolDirectory)
        do {
            archivePath = try archive.add(spooledFile: spooled, organizationID: organizationID,
                                          periodLabel: periodLabel, fetchedAt: fetchedAt,
                                          fileName: fetched.export.fileName, announce: intent.announce)
        } catch {
            unlink(spooled)
            intent.clearUnlessMoved()
            throw fail(.archive, error)
        }
        defer { Timer(label: MetricName.snapshotDuration, dimensions: [("job", job)]).record(ContinuousClock.now - started) }
        do {
            let recorded = try await ledger.recordSnapshot(
                NewSnapshot(runID: runID, job: job, organizationID: organizationID, window: window,
                            periodLabel: periodLabel, fetchedAt: fetchedAt, fileName: fetched.export.fileName,
                            fileSize: fetched.file.byteCount, sha256: fetched.file.sha256Hex,
                            archivePath: archivePath, reconciliation: parsed.reconciliation, workItem: workItem),
                orders: orders,
                alerting: alertPlanner(at: fetchedAt).plan
            ).record
            intent.clear()
            return recorded
        } catch {
            // The file is in the archive but no snapshot names it: never leave it there
            // looking recorded. If it cannot move now, the intent stays for the next start.
            let setAside = try? UnrecordedFiles.setAside(archivePath, archiveRoot: archive.root)
            if setAside != nil { intent.clear() }
            logger.warning("archived file set aside: its snapshot was not recorded", metadata: [
                "org": "\(organizationID)", "file": "\(archivePath)", "moved_to": "\(setAside ?? "(could not move)")"])
            throw fail(.ledger, error, kept: setAside ?? archivePath)
        }
    }

    /// The first file of a refetch goes to `superseded/<org>/<period>/`, logged; only if
    /// even that fails is it dropped, and the log says so.
    private func keepSuperseded(_ first: ParsedExport, organizationID: Int64, periodLabel: String) {
        let spooled = first.fetched.file.path
        do {
            let kept = try superseded.add(spooledFile: spooled, organizationID: organizationID, periodLabel: periodLabel,
                                          fetchedAt: first.fetchedAt, fileName: first.fetched.export.fileName)
            logger.notice("the export fetched while the data moved is kept, not recorded", metadata: [
                "org": "\(organizationID)", "file": "\(kept)"])
        } catch {
            unlink(spooled)
            logger.warning("the export fetched while the data moved could not be kept", metadata: [
                "org": "\(organizationID)", "error": "\(error)"])
        }
    }

    var alertPlanner: AlertPlanner {
        AlertPlanner(settings: configuration.alerts, now: { [now] in Int64(now().timeIntervalSince1970) })
    }

    /// The planner of a snapshot fetched at `fetchedAt`, on that one clock reading: the
    /// orders alerts may name are collected while the file is read, so "overdue" must mean
    /// the same instant then and when planning.
    func alertPlanner(at fetchedAt: Date) -> AlertPlanner {
        let now = Int64(fetchedAt.timeIntervalSince1970)
        return AlertPlanner(settings: configuration.alerts, now: { now })
    }

    /// One fetched and parsed export, with its reconciliation when one was asked for.
    struct ParsedExport {
        var fetched: FetchedExport
        var fetchedAt: Date
        var orders: SortedOrders
        var reconciliation: Reconciliation?
    }

    /// The export, and around it the second source: right before the request, right after
    /// the download (not again when the action was refused: that will not change).
    private func fetchAndParse(_ query: UnpaidOrdersQuery, periodLabel: String, reconcile: Bool,
                               refetched: Bool) async throws(PipelineError) -> ParsedExport {
        let organizationID = query.organizationIDs[0]
        func fail(_ stage: PipelineError.Stage, _ error: any Error, kept: String? = nil) -> PipelineError {
            PipelineError(organizationID: organizationID, stage: stage, message: "\(error)", rejectedFile: kept)
        }
        let secondSource = SecondSource(client: fetcher.client)
        let before = reconcile ? await secondSource.read(query) : nil
        let fetched: FetchedExport
        do {
            // Created on demand: an operator may clean the spool while the daemon runs.
            let spool = configuration.storage.spoolDirectory
            do { try OwnerOnlyDirectory.create(spool) } catch {
                throw StorageError(key: "storage.spool_dir", path: spool, problem: error)
            }
            fetched = try await fetcher.fetch(query)
        } catch {
            throw fail(.fetch, error)
        }
        var after: AmountReading?
        if let before { after = before.failure?.actionRefused == true ? before : await secondSource.read(query) }
        let fetchedAt = now()
        Counter(label: MetricName.downloadedBytes).increment(by: Int64(fetched.file.byteCount))
        let spooled = fetched.file.path
        let orders: SortedOrders
        do {
            let highlights = AlertEvaluator.highlightRequest(rules: configuration.alerts.rules,
                                                             now: Int64(fetchedAt.timeIntervalSince1970))
            orders = try parse(spooled, organizationID: organizationID, highlighting: highlights)
        } catch {
            // The reader's error names the spool file, which is moved away next: name the
            // file a person can still open (or say why there is none).
            let keptAs: String
            let kept: String?
            do {
                kept = try rejected.add(spooledFile: spooled, organizationID: organizationID, periodLabel: periodLabel,
                                        fetchedAt: fetchedAt, fileName: fetched.export.fileName)
                keptAs = kept!
            } catch let keeping {
                unlink(spooled)
                kept = nil
                keptAs = "the downloaded \(fetched.export.fileName) (not kept: \(keeping))"
            }
            let text = "\(error)"
            throw PipelineError(organizationID: organizationID, stage: .parse,
                                message: text.contains(spooled) ? text.replacing(spooled, with: keptAs) : "\(keptAs): \(text)",
                                rejectedFile: kept)
        }
        Counter(label: MetricName.rowsRead).increment(by: Int64(orders.count))
        var reconciliation: Reconciliation?
        if let before, let after {
            reconciliation = Reconciler.reconcile(ExportFigures(orders.totals), before: before, after: after,
                                                  refetched: refetched)
        }
        return ParsedExport(fetched: fetched, fetchedAt: fetchedAt, orders: orders, reconciliation: reconciliation)
    }

    /// Every row, sorted by order number in runs spilled to the spool (bounded memory
    /// whatever the row count, at most `max_rows` rows) and checked to belong to the
    /// organization asked for: rows of another organization would silently corrupt that
    /// organization's series.
    func parse(_ path: String, organizationID: Int64,
               highlighting request: OrderHighlights.Request) throws -> SortedOrders {
        try readSortedExport(at: path, organizationID: organizationID,
                             spillingTo: configuration.storage.spoolDirectory,
                             maxRows: configuration.export.maxRows, highlighting: request,
                             aliases: configuration.export.columnAliases, limits: configuration.export.readerLimits)
    }
}

extension UnpaidOrdersQuery {
    public init(window: BillingWindow, organizationIDs: [Int64], filters: QueryFilters) {
        self.init(window: window, organizationIDs: organizationIDs, resourceIDs: filters.resourceIDs,
                  modelIDs: filters.modelIDs, pricingSKUs: filters.pricingSKUs, productCodes: filters.productCodes,
                  regions: filters.regions, pricingUnits: filters.pricingUnits, orderTypes: filters.orderTypes)
    }
}
