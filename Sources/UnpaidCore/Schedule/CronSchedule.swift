import Foundation

/// A standard five-field cron expression (minute hour day-of-month month day-of-week),
/// evaluated in wall-clock time of a zone.
///
/// Day-of-month and day-of-week follow classic cron: when both are restricted (neither
/// starts with `*`), a day matching either fires; otherwise both must match.
///
/// Daylight saving: every matching wall-clock time fires once. A time that occurs twice
/// (clocks go back) fires at its first occurrence only, so `@hourly` leaves a two-hour gap
/// on that night (use `@every 1h` for elapsed time). A time that does not exist (clocks
/// jump forward) fires at the first instant after the jump; several skipped times collapse
/// into that single fire.
public struct CronSchedule: Sendable, Hashable, CustomStringConvertible {
    /// The expression as written (macros keep their name).
    public let expression: String
    let minutes: CronValues
    let hours: CronValues
    let daysOfMonth: CronValues
    let months: CronValues
    let daysOfWeek: CronValues
    let dayOfMonthRestricted: Bool
    let dayOfWeekRestricted: Bool

    /// Parses five whitespace-separated fields, or a macro such as `@daily`.
    public init(parsing text: String) throws(ScheduleError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw .empty }
        var fieldsText = trimmed
        if trimmed.hasPrefix("@") {
            guard let expansion = Self.macros[trimmed.lowercased()] else { throw .unknownMacro(trimmed) }
            fieldsText = expansion
        }
        let fields = fieldsText.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count == 5 else { throw .wrongFieldCount(expression: trimmed, found: fields.count) }
        func parse(_ field: CronField) throws(ScheduleError) -> CronValues {
            try CronFieldParser(field: field, expression: trimmed).parse(fields[field.rawValue])
        }
        expression = trimmed
        minutes = try parse(.minute)
        hours = try parse(.hour)
        daysOfMonth = try parse(.dayOfMonth)
        months = try parse(.month)
        daysOfWeek = try parse(.dayOfWeek)
        dayOfMonthRestricted = !fields[CronField.dayOfMonth.rawValue].hasPrefix("*")
        dayOfWeekRestricted = !fields[CronField.dayOfWeek.rawValue].hasPrefix("*")
        if !canEverFire { throw .neverFires(expression: trimmed) }
    }

    static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
        "@hourly": "0 * * * *",
    ]

    public var description: String { expression }

    /// The first fire time strictly after `instant`, or nil if none within the next 30 years.
    public func nextFire(after instant: Date, in timeZone: TimeZone) -> Date? {
        let zone = ZonedClock(timeZone: timeZone)
        let after = Int64(instant.timeIntervalSince1970.rounded(.down))
        let startLocal = zone.localSeconds(of: after)
        let startDay = Int(startLocal.floorDivided(by: 86_400))
        var date = CivilDate(dayNumber: startDay)
        var fromMinute = Int(startLocal - Int64(startDay) * 86_400) / 60
        let lastYear = date.year + 30
        let hourList = hours.sorted
        let minuteList = minutes.sorted

        while date.year <= lastYear {
            guard months.contains(date.month) else {
                date = date.firstOfNextMonth
                fromMinute = 0
                continue
            }
            if matchesDay(date) {
                let dayStart = Int64(date.dayNumber) * 86_400
                for hour in hourList where hour >= fromMinute / 60 {
                    for minute in minuteList where hour * 60 + minute >= fromMinute {
                        let fire = zone.earliestInstant(showing: dayStart + Int64(hour * 3600 + minute * 60))
                        // Earlier-occurring wall times (a repeated hour) have already passed.
                        if fire > after { return Date(timeIntervalSince1970: TimeInterval(fire)) }
                    }
                }
            }
            date = CivilDate(dayNumber: date.dayNumber + 1)
            fromMinute = 0
        }
        return nil
    }

    private func matchesDay(_ date: CivilDate) -> Bool {
        let domMatch = daysOfMonth.contains(date.day)
        let dowMatch = daysOfWeek.contains(date.weekday)
        if dayOfMonthRestricted && dayOfWeekRestricted { return domMatch || dowMatch }
        return domMatch && dowMatch
    }

    /// False for expressions like `0 0 30 2 *` whose day-of-month never occurs in a selected month.
    private var canEverFire: Bool {
        // Any weekday occurs in every month, so a restricted day-of-week can always match.
        if dayOfWeekRestricted { return true }
        let longest = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return months.sorted.contains { month in
            daysOfMonth.sorted.contains { $0 <= longest[month - 1] }
        }
    }
}
