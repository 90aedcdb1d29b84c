/// What went wrong renewing a lease.
enum LeaseRenewalProblem: Sendable {
    /// Another replica holds it now (it had expired): renewing stops.
    case lost
    /// The claims could not be reached: renewing goes on, before the lease expires if it can.
    case unreachable(any Error)
}

/// Runs `body` while a child task renews a lease each time `wait` returns, reporting
/// trouble through `report`. The body is never interrupted: a snapshot it records after
/// losing its lease is refused by a ledger that holds the claims, in the snapshot's own
/// transaction (see `WorkClaims.sharedWorkItem(for:)`).
func withLeaseRenewed<T, Failure: Error>(waitingWith wait: @escaping @Sendable () async throws -> Void,
                                         renew: @escaping @Sendable () async throws -> Bool,
                                         report: @escaping @Sendable (LeaseRenewalProblem) -> Void,
                                         _ body: () async throws(Failure) -> T) async throws(Failure) -> T {
    let result = await withTaskGroup(of: Void.self, returning: Result<T, Failure>.self) { group in
        group.addTask {
            while (try? await wait()) != nil {
                do {
                    if try await !renew() {
                        report(.lost)
                        return
                    }
                } catch is CancellationError {
                    return
                } catch {
                    report(.unreachable(error))
                }
            }
        }
        defer { group.cancelAll() }
        do throws(Failure) {
            return .success(try await body())
        } catch {
            return .failure(error)
        }
    }
    return try result.get()
}

/// Runs `body` to the end even when the calling task was cancelled: what a cancelled run
/// gives back to the other replicas must still reach the claims, or it waits for a lease
/// to expire. The only unstructured task here, awaited at once.
func evenIfCancelled<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await Task { try await body() }.value
}
