import Foundation
import UnpaidCore

/// The coming fires of a job, each with the billing period it would fetch: what
/// `unpaidd schedule` prints and what status lines name.
public struct FirePreview: Sendable, Hashable {
    public let job: String
    public let fire: Date
    public let window: BillingWindow
    public let timeZone: TimeZone

    /// The next `count` fires of `job` after `instant` (none for a job without a schedule).
    public static func next(_ count: Int, of job: JobSettings, after instant: Date) -> [FirePreview] {
        guard let schedule = job.schedule else { return [] }
        return schedule.fireTimes(after: instant, in: job.timeZone).prefix(count).map { fire in
            FirePreview(job: job.name, fire: fire, window: job.period.window(at: fire, in: job.timeZone),
                        timeZone: job.timeZone)
        }
    }

    /// The earliest fire of any scheduled job after `instant`.
    public static func earliest(of jobs: [JobSettings], after instant: Date) -> FirePreview? {
        jobs.compactMap { next(1, of: $0, after: instant).first }.min { $0.fire < $1.fire }
    }

    /// `Mon 2026-11-23 06:00:00 +08:00`, in the job's zone, like `systemd-analyze calendar`.
    public var localTime: String { Self.localTime(fire, in: timeZone) }

    public var periodLabel: String { window.label(in: timeZone) }

    public static func localTime(_ date: Date, in zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.weekday, .year, .month, .day, .hour, .minute, .second], from: date)
        let weekday = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][(parts.weekday ?? 1) - 1]
        let offset = zone.secondsFromGMT(for: date)
        let sign = offset < 0 ? "-" : "+"
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        return "\(weekday) \(String(format: "%04d", parts.year ?? 0))-\(two(parts.month))-\(two(parts.day)) "
            + "\(two(parts.hour)):\(two(parts.minute)):\(two(parts.second)) "
            + "\(sign)\(two(abs(offset) / 3600)):\(two(abs(offset) % 3600 / 60))"
    }
}
