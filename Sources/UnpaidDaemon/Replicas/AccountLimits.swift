/// `[daemon] max_concurrent_organizations`: organizations in flight at once, for every job
/// and, with a shared ledger, every replica together. In one process it is a
/// `ConcurrencyLimiter`; across replicas, permits live where the replicas meet.
public protocol OrganizationLimit: Sendable {
    func withPermit<T: Sendable>(_ body: () async throws -> T) async throws -> T
}

/// `[daemon] api_calls_per_second`: the account's rate, for every request of every
/// replica (retries and URL refreshes included). In one process it is a `TokenBucket`.
public protocol APICallLimit: AnyObject, Sendable {
    /// Returns when one more call is allowed; throws `CancellationError` if cancelled first.
    func acquire() async throws
}

extension ConcurrencyLimiter: OrganizationLimit {}
extension TokenBucket: APICallLimit {}
