import Foundation
import Synchronization

/// Wall-clock time as the scheduler sees it: injected so tests control time exactly.
public protocol WallClock: Sendable {
    func now() -> Date
    /// Returns at or after `deadline`; throws `CancellationError` when the task is cancelled.
    func sleep(until deadline: Date) async throws
}

/// The real clock. Sleeps in slices of at most a minute and re-reads the time, so a wall
/// clock stepped by NTP or a resumed suspend is noticed within a minute.
public struct SystemWallClock: WallClock {
    public init() {}

    public func now() -> Date { Date() }

    public func sleep(until deadline: Date) async throws {
        while true {
            let remaining = deadline.timeIntervalSince(Date())
            if remaining <= 0 { return }
            try await Task.sleep(for: .seconds(min(remaining, 60)))
        }
    }
}

/// A clock that moves only when told to: `advance(to:)` resumes every sleeper whose
/// deadline has come. `waitForSleepers(_:)` and `waitForSleeper(until:)` let a test wait
/// until the code under test is idle, so tests never sleep on real time.
public final class ManualWallClock: WallClock {
    private struct Sleeper {
        let id: UInt64
        let deadline: Date
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct Waiter {
        let isSatisfied: @Sendable ([Date]) -> Bool
        let continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var now: Date
        var nextID: UInt64 = 0
        var sleepers: [Sleeper] = []
        var waiters: [Waiter] = []
    }

    private let state: Mutex<State>

    public init(now: Date) {
        state = Mutex(State(now: now))
    }

    public func now() -> Date { state.withLock { $0.now } }

    /// Moves time forward (never back) and resumes sleepers whose deadline has passed.
    public func advance(to instant: Date) {
        let due = state.withLock { state -> [Sleeper] in
            state.now = max(state.now, instant)
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }
            state.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    public func advance(by seconds: TimeInterval) {
        advance(to: now().addingTimeInterval(seconds))
    }

    /// Deadlines of the current sleepers, earliest first.
    public var sleepingUntil: [Date] {
        state.withLock { $0.sleepers.map(\.deadline).sorted() }
    }

    /// Returns once at least `count` tasks are sleeping on this clock.
    public func waitForSleepers(_ count: Int) async {
        await waitUntil { $0.count >= count }
    }

    /// Returns once some task sleeps until exactly `deadline`.
    public func waitForSleeper(until deadline: Date) async {
        await waitUntil { $0.contains(deadline) }
    }

    private func waitUntil(_ isSatisfied: @escaping @Sendable ([Date]) -> Bool) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                if isSatisfied(state.sleepers.map(\.deadline)) { return true }
                state.waiters.append(Waiter(isSatisfied: isSatisfied, continuation: continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    public func sleep(until deadline: Date) async throws {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { state -> (resumeNow: Bool, waiters: [Waiter]) in
                    // Checked under the lock: a cancel landing after this finds the sleeper registered.
                    if Task.isCancelled || state.now >= deadline { return (true, []) }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    let deadlines = state.sleepers.map(\.deadline)
                    let ready = state.waiters.filter { $0.isSatisfied(deadlines) }
                    state.waiters.removeAll { $0.isSatisfied(deadlines) }
                    return (false, ready)
                }
                if outcome.resumeNow { continuation.resume() }
                for waiter in outcome.waiters { waiter.continuation.resume() }
            }
            try Task.checkCancellation()
        } onCancel: {
            let cancelled = state.withLock { state -> Sleeper? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.sleepers.remove(at: index)
            }
            cancelled?.continuation.resume(throwing: CancellationError())
        }
    }
}
