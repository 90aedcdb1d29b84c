import Synchronization

/// Lets tasks go on only once `parties` of them have arrived: for tests of replicas that
/// must all be at work at once, which a loaded machine would otherwise run one after the other.
public final class Rendezvous: Sendable {
    private let parties: Int
    private let arrived = Mutex(0)

    public init(of parties: Int) { self.parties = parties }

    public func arriveAndWait() async throws {
        arrived.withLock { $0 += 1 }
        while arrived.withLock({ $0 }) < parties { try await Task.sleep(for: .milliseconds(5)) }
    }
}
