import Foundation
import Ledger
import Logging
import PostgresLedger

/// The limits every run of the daemon shares, whichever job it belongs to, and on a shared
/// PostgreSQL ledger every replica's runs too: `[daemon]` is the account's budget. A reload
/// that changes `[daemon]` makes new ones for new runs; runs in flight keep theirs.
public struct SharedLimits: Sendable {
    let settings: DaemonSettings
    let organizations: any OrganizationLimit
    let apiCalls: any APICallLimit

    /// One process's limits, in memory.
    public init(_ settings: DaemonSettings, clock: any WallClock = SystemWallClock()) {
        self.init(settings: settings, organizations: ConcurrencyLimiter(limit: settings.maxConcurrentOrganizations),
                  apiCalls: TokenBucket(ratePerSecond: settings.apiCallsPerSecond, burst: Self.apiCallBurst, clock: clock))
    }

    /// The limits as `sharing` says: in memory for one process, in the database for replicas.
    public init(_ settings: DaemonSettings, sharing: LedgerSharing, replica: ReplicaID) {
        switch sharing {
        case .oneProcess:
            self.init(settings)
        case .replicas(let postgres):
            self.init(settings: settings,
                      organizations: PostgresOrganizationLimit(ledger: postgres, limit: settings.maxConcurrentOrganizations,
                                                               replica: replica),
                      apiCalls: PostgresAPICallLimit(ledger: postgres, ratePerSecond: settings.apiCallsPerSecond,
                                                     burst: Self.apiCallBurst))
        }
    }

    private init(settings: DaemonSettings, organizations: any OrganizationLimit, apiCalls: any APICallLimit) {
        self.settings = settings
        self.organizations = organizations
        self.apiCalls = apiCalls
    }

    /// One call at a time, so calls are spaced evenly: no second ever sees more than
    /// `api_calls_per_second` of them, and none sees twice as many, as a second's worth
    /// saved up and spent together with the next second's would (the account's limit is
    /// per second, and a run loses nothing measurable by not bursting).
    static let apiCallBurst = 1

    public func runner(for configuration: Configuration, ledger: any Ledger, privateKey: String, logger: Logger) -> JobRunner {
        let pipeline = ExportPipeline(configuration: configuration, ledger: ledger, privateKey: privateKey, logger: logger,
                                      apiRateLimit: apiCalls)
        return JobRunner(pipeline: pipeline, maxConcurrentOrganizations: settings.maxConcurrentOrganizations,
                         organizationLimiter: organizations, logger: logger)
    }
}

extension LedgerSharing {
    /// How this replica claims fires and organizations: in memory when it is the only one.
    public func workClaims(replica: ReplicaID) -> any WorkClaims {
        switch self {
        case .oneProcess: InProcessWorkClaims(replica: replica)
        case .replicas(let postgres): PostgresWorkClaims(ledger: postgres, replica: replica)
        }
    }
}
