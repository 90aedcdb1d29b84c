import Foundation
import UnpaidCore

/// What to do on start with fire times that passed while the daemon was not running.
public enum CatchUpPolicy: String, Sendable, Hashable, CaseIterable {
    /// Run the most recent missed fire only (like systemd's `Persistent=true`).
    case latest
    /// Run every missed fire, oldest first, one after another.
    case all
    /// Run none; wait for the next fire.
    case none
}

/// One job as the scheduler sees it: when it fires, not what it does.
public struct ScheduledJob: Sendable, Hashable {
    public var name: String
    public var schedule: Schedule
    public var timeZone: TimeZone
    public var catchUp: CatchUpPolicy
    /// Only missed fires this recent are caught up.
    public var catchUpWindow: TimeInterval
    /// Each run starts after a random delay from zero up to this, spreading load.
    public var randomDelayMax: TimeInterval

    public init(name: String, schedule: Schedule, timeZone: TimeZone, catchUp: CatchUpPolicy = .latest,
                catchUpWindow: TimeInterval = 24 * 3600, randomDelayMax: TimeInterval = 0) {
        self.name = name
        self.schedule = schedule
        self.timeZone = timeZone
        self.catchUp = catchUp
        self.catchUpWindow = catchUpWindow
        self.randomDelayMax = randomDelayMax
    }
}

/// Runs one fire of a job (the fetch-diff-alert pipeline). The period comes from
/// `scheduledAt`, never from the time the run actually starts. A thrown error is logged
/// and the fire left unrecorded, so a restart within the catch-up window retries it.
public protocol JobExecutor: Sendable {
    func execute(job: String, scheduledAt: Date) async throws
    /// A fire the scheduler claimed: an executor that can share work takes the fire's
    /// organizations from its claims; by default it runs the job as `execute(job:scheduledAt:)`.
    func execute(_ fire: ClaimedFire) async throws
}

extension JobExecutor {
    public func execute(_ fire: ClaimedFire) async throws {
        try await execute(job: fire.job, scheduledAt: fire.scheduledAt)
    }
}

/// Remembers the last fire each job ran, so a restart knows what it missed.
public protocol FireTimeStore: Sendable {
    func lastFire(job: String) async throws -> Date?
    func recordFire(job: String, scheduledAt: Date) async throws
}
