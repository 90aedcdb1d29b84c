import Foundation

/// Dates as people type them (`unpaidd fetch --start`, `history --since`), read as wall-clock
/// time of a zone, by the rules schedules follow:
/// - `2025-09-07`: that date's first instant, its midnight or, where clocks jump over
///   midnight (America/Santiago that day), the instant of the jump;
/// - `2025-09-07T08:30` or `2025-09-07T08:30:15`: the first instant showing that time; a time
///   the clocks jumped over means the instant of the jump, one shown twice its first showing;
/// - digits alone: Unix seconds.
public enum LocalDateText {
    public static func instant(parsing text: String, in timeZone: TimeZone) throws(LocalDateTextError) -> Int64 {
        if let seconds = Int64(text) { return seconds }
        let halves = text.split(separator: "T", maxSplits: 1, omittingEmptySubsequences: false)
        let dateFields = halves[0].split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        let timeFields = halves.count == 2
            ? halves[1].split(separator: ":", omittingEmptySubsequences: false).map { Int($0) } : []
        guard dateFields.count == 3, halves.count == 1 || [2, 3].contains(timeFields.count),
              let year = dateFields[0], let month = dateFields[1], let day = dateFields[2],
              !timeFields.contains(where: { $0 == nil }) else {
            throw .unrecognized(text)
        }
        let time = timeFields.map { $0! } + [0, 0, 0]
        let (hour, minute, second) = (time[0], time[1], time[2])
        guard (1...12).contains(month), (1...9999).contains(year), day >= 1,
              day <= CivilDate(year: year, month: month, day: 1).daysInMonth,
              (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second) else {
            throw .noSuchDate(text)
        }
        let clock = ZonedClock(timeZone: timeZone)
        let date = CivilDate(year: year, month: month, day: day)
        guard halves.count == 2 else { return clock.startOfDay(date) }
        return clock.earliestInstant(showing: Int64(date.dayNumber) * 86_400 + Int64(hour * 3600 + minute * 60 + second))
    }
}

public enum LocalDateTextError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not one of the accepted forms.
    case unrecognized(String)
    /// The right form, but no such calendar date or time of day (`2026-02-30`, `25:00`).
    case noSuchDate(String)

    public var description: String {
        switch self {
        case .unrecognized(let text):
            "expected YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] or Unix seconds, found \"\(text)\""
        case .noSuchDate(let text):
            "\"\(text)\" is not a valid date and time of day"
        }
    }
}
