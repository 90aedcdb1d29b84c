import Foundation

/// When a target hears nothing: a daily window (`quiet_hours = "22:00-08:00"`, which may
/// wrap midnight) and whole days (`quiet_days = ["sat", "sun"]`), on the wall clock of a
/// named zone. Messages due in a quiet period are held until it ends.
///
/// Each night's window is an interval of instants, from the first instant the clock
/// shows its start to the first instant it shows its end, so a window across a daylight
/// saving change is an hour shorter or longer, and a repeated hour does not make it
/// quiet twice. Windows and days that touch or overlap make one quiet period.
public struct QuietHours: Sendable, Hashable, CustomStringConvertible {
    /// Minutes after local midnight: quiet from `start` until `end`, the next day when `end <= start`.
    public struct Window: Sendable, Hashable {
        public var start: Int
        public var end: Int
    }

    public let window: Window?
    /// 0 = Sunday ... 6 = Saturday.
    public let days: Set<Int>
    public let timeZone: TimeZone

    static let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
    static let fullDayNames = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]

    /// - Throws: naming the key at fault (`quiet_hours`, `quiet_days`).
    public init(hours: String?, days: [String], timeZone: TimeZone) throws(QuietHoursError) {
        window = try hours.map { text throws(QuietHoursError) in try Self.window(text) }
        var numbers: Set<Int> = []
        for name in days {
            let key = name.lowercased()
            guard let day = Self.dayNames.firstIndex(of: key) ?? Self.fullDayNames.firstIndex(of: key) else {
                throw QuietHoursError(key: "quiet_days", problem: "unknown day \"\(name)\": expected mon, tue, wed, thu, fri, sat or sun")
            }
            numbers.insert(day)
        }
        guard numbers.count < 7 else {
            throw QuietHoursError(key: "quiet_days", problem: "names every day of the week, so nothing would ever be sent")
        }
        guard window != nil || !numbers.isEmpty else {
            throw QuietHoursError(key: "quiet_hours", problem: "set quiet_hours, quiet_days or both")
        }
        self.days = numbers
        self.timeZone = timeZone
    }

    private static func window(_ text: String) throws(QuietHoursError) -> Window {
        let fail = QuietHoursError(key: "quiet_hours", problem: "expected HH:MM-HH:MM such as \"22:00-08:00\", found \"\(text)\"")
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let start = minutes(parts[0]), let end = minutes(parts[1]) else { throw fail }
        guard start != end else {
            throw QuietHoursError(key: "quiet_hours", problem: "\"\(text)\" starts and ends at the same time; "
                + "a whole day quiet is quiet_days")
        }
        return Window(start: start, end: end)
    }

    private static func minutes(_ text: Substring) -> Int? {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCII) }),
              let hour = Int(parts[0]), let minute = Int(parts[1]), (0..<24).contains(hour), (0..<60).contains(minute)
        else { return nil }
        return hour * 60 + minute
    }

    /// When the quiet period holding `instant` ends; nil when `instant` is not quiet.
    public func quietUntil(_ instant: Int64) -> Int64? {
        let clock = ZonedClock(timeZone: timeZone)
        let today = clock.date(at: instant)
        // Six quiet days and a window make at most a week of quiet in a row.
        return periods(from: today.adding(days: -2), through: today.adding(days: 9), clock: clock)
            .first { $0.contains(instant) }?.upperBound
    }

    /// How long of `from..<to` was quiet: a message held that long has not been failing
    /// that long, so the delivery age does not count it.
    public func quietSeconds(from: Int64, to: Int64) -> Int64 {
        guard to > from else { return 0 }
        let clock = ZonedClock(timeZone: timeZone)
        return periods(from: clock.date(at: from).adding(days: -2), through: clock.date(at: to).adding(days: 1), clock: clock)
            .reduce(0) { total, period in total + max(0, min(period.upperBound, to) - max(period.lowerBound, from)) }
    }

    /// The quiet periods of nights and days `first...last`, merged, in order.
    private func periods(from first: CivilDate, through last: CivilDate, clock: ZonedClock) -> [Range<Int64>] {
        var spans: [Range<Int64>] = []
        for dayNumber in first.dayNumber...last.dayNumber {
            let day = CivilDate(dayNumber: dayNumber)
            let midnight = Int64(dayNumber) * 86_400
            if let window {
                let endDay = window.end <= window.start ? midnight + 86_400 : midnight
                let start = clock.earliestInstant(showing: midnight + Int64(window.start) * 60)
                let end = clock.earliestInstant(showing: endDay + Int64(window.end) * 60)
                if start < end { spans.append(start..<end) }
            }
            if days.contains(day.weekday) {
                spans.append(clock.startOfDay(day)..<clock.startOfDay(day.adding(days: 1)))
            }
        }
        spans.sort { $0.lowerBound < $1.lowerBound }
        var merged: [Range<Int64>] = []
        for span in spans {
            if let last = merged.last, span.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, span.upperBound)
            } else {
                merged.append(span)
            }
        }
        return merged
    }

    /// `22:00-08:00, sat, sun (Asia/Shanghai)`, for the log.
    public var description: String {
        var parts: [String] = []
        if let window { parts.append("\(Self.clockText(window.start))-\(Self.clockText(window.end))") }
        parts += days.sorted { ($0 + 6) % 7 < ($1 + 6) % 7 }.map { Self.dayNames[$0] }
        return parts.joined(separator: ", ") + " (\(timeZone.identifier))"
    }

    private static func clockText(_ minutes: Int) -> String {
        String(format: "%02d:%02d", minutes / 60, minutes % 60)
    }
}

public struct QuietHoursError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The configuration key at fault.
    public var key: String
    public var problem: String

    public var description: String { "\(key): \(problem)" }
}
