/// How fetching one job's export of one organization has been going: the input of the
/// stale and failing rules, and what their notifications report. Times are Unix seconds.
public struct SeriesHealth: Sendable, Hashable, Codable {
    public var job: String
    public var organizationID: Int64
    /// When unpaidd started watching this job and organization: the start of the stale
    /// clock while no snapshot was ever recorded.
    public var watchedSince: Int64
    /// When the newest snapshot was fetched; nil when there is none.
    public var lastSuccessAt: Int64?
    public var lastSuccessSnapshotID: Int64?
    /// Failed attempts since the newest snapshot (all of them when there is none).
    public var consecutiveFailures: Int
    public var lastFailureAt: Int64?
    /// The newest failure's error, secrets already masked.
    public var lastError: String?

    public init(job: String, organizationID: Int64, watchedSince: Int64, lastSuccessAt: Int64? = nil,
                lastSuccessSnapshotID: Int64? = nil, consecutiveFailures: Int = 0, lastFailureAt: Int64? = nil,
                lastError: String? = nil) {
        self.job = job
        self.organizationID = organizationID
        self.watchedSince = watchedSince
        self.lastSuccessAt = lastSuccessAt
        self.lastSuccessSnapshotID = lastSuccessSnapshotID
        self.consecutiveFailures = consecutiveFailures
        self.lastFailureAt = lastFailureAt
        self.lastError = lastError
    }

    /// Where the stale clock starts: the last success, or the start of watching.
    public var freshSince: Int64 { lastSuccessAt ?? watchedSince }
}

/// One (job, organization) the configuration asks to be fetched: what the pipeline
/// rules watch.
public struct WatchedSeries: Sendable, Hashable, Comparable {
    public var job: String
    public var organizationID: Int64

    public init(job: String, organizationID: Int64) {
        self.job = job
        self.organizationID = organizationID
    }

    public static func < (lhs: WatchedSeries, rhs: WatchedSeries) -> Bool {
        (lhs.job, lhs.organizationID) < (rhs.job, rhs.organizationID)
    }
}
