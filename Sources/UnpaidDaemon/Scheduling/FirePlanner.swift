import Foundation
import UnpaidCore

/// Which past fire times of a job to run now: pure, so the policy is easy to test and read.
enum FirePlanner {
    /// Fire times in `(after, now]`, oldest first, stopping at `limit` (a guard against
    /// a one-second interval left unattended for a year).
    static func fires(of job: ScheduledJob, after: Date, through now: Date, limit: Int = 100_000) -> [Date] {
        var result: [Date] = []
        for fire in job.schedule.fireTimes(after: after, in: job.timeZone) {
            if fire > now || result.count >= limit { break }
            result.append(fire)
        }
        return result
    }

    /// On start: the missed fires since `lastFire` that the job's policy and window allow.
    /// A job with no recorded fire has missed nothing.
    static func catchUp(for job: ScheduledJob, lastFire: Date?, now: Date) -> (run: [Date], dropped: Int) {
        guard let lastFire else { return ([], 0) }
        let windowStart = now.addingTimeInterval(-job.catchUpWindow)
        let inWindow = fires(of: job, after: max(lastFire, windowStart), through: now)
        switch job.catchUp {
        case .none: return ([], inWindow.count)
        case .latest: return (inWindow.last.map { [$0] } ?? [], max(inWindow.count - 1, 0))
        case .all: return (inWindow, 0)
        }
    }

    /// After a late wake (suspend, a stepped clock): the current fire always runs;
    /// earlier ones it slept through run only under `.all`.
    static func due(for job: ScheduledJob, next: Date, now: Date) -> (run: [Date], dropped: Int) {
        guard next <= now else { return ([], 0) }
        let due = [next] + fires(of: job, after: next, through: now)
        if job.catchUp == .all { return (due, 0) }
        return ([due.last!], due.count - 1)
    }
}
