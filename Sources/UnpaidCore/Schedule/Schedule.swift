import Foundation

/// When a job fires: a cron expression in the job's zone, or a fixed interval.
///
/// `@every <duration>` fires at whole multiples of the interval counted from the Unix
/// epoch (1970-01-01T00:00:00Z), not from process start, so restarts never drift and
/// every instance agrees; e.g. `@every 6h` fires at 00:00, 06:00, 12:00, 18:00 UTC.
/// Intervals ignore the zone and daylight saving: they measure elapsed time.
public enum Schedule: Sendable, Hashable, CustomStringConvertible {
    case cron(CronSchedule)
    case every(seconds: Int64)

    public init(parsing text: String) throws(ScheduleError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let words = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" })
        if let first = words.first, first.lowercased() == "@every" {
            guard words.count == 2 else {
                throw .invalidDuration(expression: trimmed, text: words.dropFirst().joined(separator: " "))
            }
            guard let seconds = Self.durationSeconds(words[1]) else {
                throw .invalidDuration(expression: trimmed, text: String(words[1]))
            }
            self = .every(seconds: seconds)
        } else {
            self = .cron(try CronSchedule(parsing: trimmed))
        }
    }

    public var description: String {
        switch self {
        case .cron(let cron): cron.description
        case .every(let seconds): "@every \(Self.format(seconds))"
        }
    }

    /// The first fire time strictly after `instant`.
    public func nextFire(after instant: Date, in timeZone: TimeZone) -> Date? {
        switch self {
        case .cron(let cron):
            return cron.nextFire(after: instant, in: timeZone)
        case .every(let interval):
            let elapsed = Int64(instant.timeIntervalSince1970.rounded(.down))
            var next = (elapsed / interval) * interval
            if next > elapsed { next -= interval } // truncation toward zero before 1970
            next += interval
            return Date(timeIntervalSince1970: TimeInterval(next))
        }
    }

    /// Fire times after `instant`, in order (lazily; the sequence ends only if the schedule does).
    public func fireTimes(after instant: Date, in timeZone: TimeZone) -> FireTimes {
        FireTimes(schedule: self, timeZone: timeZone, last: instant)
    }

    public struct FireTimes: Sequence, IteratorProtocol, Sendable {
        let schedule: Schedule
        let timeZone: TimeZone
        var last: Date?

        public mutating func next() -> Date? {
            guard let current = last else { return nil }
            last = schedule.nextFire(after: current, in: timeZone)
            return last
        }
    }

    /// `90m`, `6h`, `30s`, `1d`, `1h30m`: a positive number of seconds, or nil. The same
    /// spelling suits other durations in the config (`catch_up_window`, `random_delay`).
    public static func durationSeconds(_ text: some StringProtocol) -> Int64? {
        var total: Int64 = 0
        var digits = ""
        var sawUnit = false
        for character in text {
            if character.isASCII, character.isNumber {
                digits.append(character)
                continue
            }
            let unit: Int64
            switch character {
            case "s": unit = 1
            case "m": unit = 60
            case "h": unit = 3600
            case "d": unit = 86_400
            default: return nil
            }
            guard let value = Int64(digits), value <= 1_000_000 else { return nil }
            total += value * unit
            digits = ""
            sawUnit = true
        }
        guard digits.isEmpty, sawUnit, total > 0 else { return nil }
        return total
    }

    static func format(_ seconds: Int64) -> String {
        var rest = seconds
        var text = ""
        for (unit, size) in [("d", Int64(86_400)), ("h", 3600), ("m", 60), ("s", 1)] where rest >= size {
            text += "\(rest / size)\(unit)"
            rest %= size
        }
        return text
    }
}
