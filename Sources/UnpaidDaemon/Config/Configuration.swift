import Foundation
import UnpaidCore

/// Everything unpaidd reads from its TOML file, validated and made of values.
public struct Configuration: Sendable {
    public var file: String
    public var timeZone: TimeZone
    public var api: APISettings
    public var download: DownloadSettings
    public var storage: StorageSettings
    public var export: ExportSettings
    public var jobs: [JobSettings]
    public var alerts: AlertSettings
    public var daemon: DaemonSettings
    public var aging = AgingSettings()
    public var metrics: MetricsSettings = MetricsSettings()

    public func job(named name: String) -> JobSettings? { jobs.first { $0.name == name } }
}

public struct APISettings: Sendable {
    public var endpoint: String
    /// Plain http to a loopback endpoint (a simulator); downloads inherit it.
    public var allowHTTPLoopback: Bool = false
    public var publicKey: String
    public var privateKeySource: PrivateKeySource
    public var region: String?
    public var zone: String?
    public var projectID: String?
    public var requestTimeoutSeconds: Double
    public var maxAttempts: Int
}

public struct DownloadSettings: Sendable {
    /// Host suffixes a presigned URL may point at; `.ufileos.com` matches any bucket.
    public var allowedHosts: [String]
    /// Plain http is refused unless this is set, and then only for loopback hosts.
    /// Defaults to `api.allow_http_loopback`.
    public var allowHTTPLoopback: Bool
    public var connectTimeoutSeconds: Double
    public var totalTimeoutSeconds: Double
    public var lowSpeedBytesPerSecond: Int
    public var lowSpeedSeconds: Double
    public var urlRefreshes: Int
    public var resumeAttempts: Int
}

public struct StorageSettings: Sendable {
    public var ledger: LedgerLocation
    public var archiveDirectory: String
    /// Downloads land here first; on the archive's file system so the final move is a rename.
    public var spoolDirectory: String
    /// `archive_retention`: archived files older than this are removed by the daemon once
    /// a day (their snapshots stay). Default: nil, keep forever.
    public var archiveRetentionSeconds: TimeInterval? = nil

    public init(ledger: LedgerLocation, archiveDirectory: String, spoolDirectory: String,
                archiveRetentionSeconds: TimeInterval? = nil) {
        self.ledger = ledger
        self.archiveDirectory = archiveDirectory
        self.spoolDirectory = spoolDirectory
        self.archiveRetentionSeconds = archiveRetentionSeconds
    }

    /// A SQLite ledger at `database`.
    public init(database: String, archiveDirectory: String, spoolDirectory: String,
                archiveRetentionSeconds: TimeInterval? = nil) {
        self.init(ledger: .sqlite(path: database), archiveDirectory: archiveDirectory, spoolDirectory: spoolDirectory,
                  archiveRetentionSeconds: archiveRetentionSeconds)
    }

    /// `storage.database` for messages and logs: the SQLite file's path, or the database's
    /// URL (never holding a password) and where its password comes from.
    public var database: String { ledger.description }
}

public struct ExportSettings: Sendable {
    /// Extra header texts per field, for exports whose headers are neither the SDK names nor the known labels.
    public var columnAliases: [String: [String]]
    public var maxUncompressedBytes: Int
    public var maxCompressionRatio: Int
    public var maxColumns: Int
    /// Data rows an export may have before it is refused (and kept under archive/rejected).
    /// Default: 10,000,000.
    public var maxRows: Int = ExportSettings.defaultMaxRows

    public static let defaultMaxRows = 10_000_000
}

public struct JobSettings: Sendable {
    public var name: String
    public var organizations: [Int64]
    public var period: PeriodSpec
    public var timeZone: TimeZone
    /// When the daemon fires the job; nil for jobs run only by `run --once` or a timer.
    public var schedule: Schedule?
    /// The schedule as written, for status lines and `unpaidd schedule`.
    public var scheduleText: String?
    public var catchUp: CatchUpPolicy
    public var catchUpWindow: TimeInterval
    public var randomDelay: TimeInterval
    public var filters: QueryFilters
    /// Compare each export with `GetOrderAmount` (`reconcile`). Default: true.
    public var reconcile = true

    public init(name: String, organizations: [Int64], period: PeriodSpec, timeZone: TimeZone,
                schedule: Schedule?, scheduleText: String? = nil, catchUp: CatchUpPolicy = .latest,
                catchUpWindow: TimeInterval = 24 * 3600, randomDelay: TimeInterval = 0, filters: QueryFilters) {
        self.name = name
        self.organizations = organizations
        self.period = period
        self.timeZone = timeZone
        self.schedule = schedule
        self.scheduleText = scheduleText ?? schedule?.description
        self.catchUp = catchUp
        self.catchUpWindow = catchUpWindow
        self.randomDelay = randomDelay
        self.filters = filters
    }

    /// The job as the scheduler sees it, or nil when it has no schedule.
    public var scheduledJob: ScheduledJob? {
        schedule.map { ScheduledJob(name: name, schedule: $0, timeZone: timeZone, catchUp: catchUp,
                                    catchUpWindow: catchUpWindow, randomDelayMax: randomDelay) }
    }
}

/// How the long-running daemon shares the cloud and stops.
public struct DaemonSettings: Sendable, Equatable {
    /// Organizations fetched at the same time, across all jobs.
    public var maxConcurrentOrganizations: Int = 4
    /// API calls per second, all jobs together, evenly spaced (a token bucket of one token).
    public var apiCallsPerSecond: Double = 5
    /// How long runs in flight may take to finish after SIGTERM before they are cancelled.
    public var shutdownGraceSeconds: Double = 60

    public init() {}
}

/// The API's optional list parameters, as a job narrows its export.
public struct QueryFilters: Sendable, Equatable {
    public var resourceIDs: [String] = []
    public var modelIDs: [String] = []
    public var pricingUnits: [Int] = []
    public var orderTypes: [Int] = []
    public var pricingSKUs: [String] = []
    public var productCodes: [String] = []
    public var regions: [String] = []

    public init() {}

    public static let knownProductCodes: Set<String> = ["modelverse", "sandbox"]
}
