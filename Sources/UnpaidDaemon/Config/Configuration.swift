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

    public func job(named name: String) -> JobSettings? { jobs.first { $0.name == name } }
}

public struct APISettings: Sendable {
    public var endpoint: String
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
    public var allowHTTPLoopback: Bool
    public var connectTimeoutSeconds: Double
    public var totalTimeoutSeconds: Double
    public var lowSpeedBytesPerSecond: Int
    public var lowSpeedSeconds: Double
    public var urlRefreshes: Int
    public var resumeAttempts: Int
}

public struct StorageSettings: Sendable {
    public var database: String
    public var archiveDirectory: String
    /// Downloads land here first; on the archive's file system so the final move is a rename.
    public var spoolDirectory: String
}

public struct ExportSettings: Sendable {
    /// Extra header texts per field, for exports whose headers are neither the SDK names nor the known labels.
    public var columnAliases: [String: [String]]
    public var maxUncompressedBytes: Int
    public var maxCompressionRatio: Int
    public var maxColumns: Int
}

public struct JobSettings: Sendable {
    public var name: String
    public var organizations: [Int64]
    public var period: PeriodSpec
    public var timeZone: TimeZone
    /// Kept as written until the scheduler parses it.
    public var schedule: String?
    public var filters: QueryFilters

    public init(name: String, organizations: [Int64], period: PeriodSpec, timeZone: TimeZone,
                schedule: String?, filters: QueryFilters) {
        self.name = name
        self.organizations = organizations
        self.period = period
        self.timeZone = timeZone
        self.schedule = schedule
        self.filters = filters
    }
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
