import UnpaidCore

/// One organization's attempt that recorded no snapshot, as the ledger keeps it.
public struct OrganizationFailure: Sendable, Hashable {
    public var runID: RunID
    public var job: String
    public var organizationID: Int64
    /// Unix seconds.
    public var failedAt: Int64
    public var stage: String
    /// Already masked: the ledger stores what it is given.
    public var error: String

    public init(runID: RunID, job: String, organizationID: Int64, failedAt: Int64, stage: String, error: String) {
        self.runID = runID
        self.job = job
        self.organizationID = organizationID
        self.failedAt = failedAt
        self.stage = stage
        self.error = error
    }
}

/// What the pipeline rules see, inside the transaction that stores their decision.
public struct PipelineAlertingInput: Sendable {
    public var series: [SeriesHealth]
    /// Every stored alert about the pipeline (currency nil).
    public var states: [AlertState]

    package init(series: [SeriesHealth], states: [AlertState]) {
        self.series = series
        self.states = states
    }
}
