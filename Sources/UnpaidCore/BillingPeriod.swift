import Foundation

/// A half-open billing window `[start, end)` in Unix seconds, as the API takes it.
public struct BillingWindow: Sendable, Hashable, Codable, CustomStringConvertible {
    public let start: Int64
    public let end: Int64

    public init(start: Int64, end: Int64) throws(PeriodError) {
        guard end > start else { throw .emptyWindow(start: start, end: end) }
        self.start = start
        self.end = end
    }

    /// A stable, filesystem-safe label such as `2026-10-01_2026-11-01` (local dates at
    /// midnight boundaries, local date and time otherwise): names archive folders.
    public func label(in timeZone: TimeZone) -> String {
        "\(Self.stamp(start, timeZone))_\(Self.stamp(end, timeZone))"
    }

    public var description: String { "[\(start), \(end))" }

    /// The date alone when `seconds` is the first instant of its date (midnight, or the
    /// jump where clocks skip midnight), so a day's window is labelled by its dates.
    private static func stamp(_ seconds: Int64, _ timeZone: TimeZone) -> String {
        let clock = ZonedClock(timeZone: timeZone)
        let date = clock.date(at: seconds)
        let text = "\(digits(date.year, 4))-\(digits(date.month, 2))-\(digits(date.day, 2))"
        if clock.startOfDay(date) == seconds { return text }
        let secondOfDay = clock.localSeconds(of: seconds) - Int64(date.dayNumber) * 86_400
        return text + "T\(digits(Int(secondOfDay / 3600), 2))\(digits(Int(secondOfDay % 3600 / 60), 2))"
            + digits(Int(secondOfDay % 60), 2)
    }

    private static func digits(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}

/// Which window a job fetches, relative to the instant it is scheduled for.
public enum PeriodSpec: Sendable, Hashable, CustomStringConvertible {
    /// The calendar day before the one containing the instant.
    case previousDay
    /// The ISO week (Monday to Monday) before the one containing the instant.
    case previousWeek
    /// The calendar month before the one containing the instant.
    case previousMonth
    /// From the first of the instant's month up to the instant; at the very first
    /// instant of a month, the month just ended (an empty window is never sent).
    case monthToDate
    /// The N whole days before the day containing the instant.
    case lastDays(Int)

    /// Parses `previous-day`, `previous-week`, `previous-month`, `month-to-date`, `last-N-days`.
    public init(parsing text: String) throws(PeriodError) {
        switch text {
        case "previous-day": self = .previousDay
        case "previous-week": self = .previousWeek
        case "previous-month": self = .previousMonth
        case "month-to-date": self = .monthToDate
        default:
            let parts = text.split(separator: "-")
            guard parts.count == 3, parts[0] == "last", parts[2] == "days",
                  let days = Int(parts[1]), (1...366).contains(days)
            else { throw .unknownPeriod(text) }
            self = .lastDays(days)
        }
    }

    public var description: String {
        switch self {
        case .previousDay: "previous-day"
        case .previousWeek: "previous-week"
        case .previousMonth: "previous-month"
        case .monthToDate: "month-to-date"
        case .lastDays(let days): "last-\(days)-days"
        }
    }

    /// The window for a run scheduled at `instant`, with calendar days of `timeZone`
    /// (a day may last 23 or 25 hours across a daylight-saving change).
    ///
    /// Each edge is the first instant of its own calendar date, found from that date:
    /// never by stepping a computed instant back a day or a month, which keeps the wall
    /// time and, where a day starts at 01:00 because clocks jumped over midnight, would
    /// move the edge an hour and lose that hour between two windows.
    public func window(at instant: Date, in timeZone: TimeZone) -> BillingWindow {
        let clock = ZonedClock(timeZone: timeZone)
        let now = Int64(instant.timeIntervalSince1970.rounded(.down))
        let today = clock.date(at: now)
        let thisMonth = today.firstOfMonth
        let (first, last): (CivilDate, CivilDate)
        switch self {
        case .previousDay:
            (first, last) = (today.adding(days: -1), today)
        case .previousWeek:
            (first, last) = (today.monday.adding(days: -7), today.monday)
        case .previousMonth:
            (first, last) = (thisMonth.firstOfPreviousMonth, thisMonth)
        case .monthToDate:
            let monthStart = clock.startOfDay(thisMonth)
            if now > monthStart { return try! BillingWindow(start: monthStart, end: now) }
            (first, last) = (thisMonth.firstOfPreviousMonth, thisMonth)
        case .lastDays(let days):
            (first, last) = (today.adding(days: -days), today)
        }
        let end = clock.startOfDay(last)
        var earliest = first
        var start = clock.startOfDay(earliest)
        // A date skipped whole (Pacific/Apia on 2011-12-30) has no instant of its own:
        // reach back to the date before it, so its neighbour's hours are still fetched.
        while start >= end {
            earliest = earliest.adding(days: -1)
            start = clock.startOfDay(earliest)
        }
        return try! BillingWindow(start: start, end: end)
    }
}

public enum PeriodError: Error, Sendable, Equatable, CustomStringConvertible {
    case emptyWindow(start: Int64, end: Int64)
    case unknownPeriod(String)

    public var description: String {
        switch self {
        case .emptyWindow(let start, let end):
            "the window's end (\(end)) must be after its start (\(start))"
        case .unknownPeriod(let text):
            "unknown period \"\(text)\": expected previous-day, previous-week, previous-month, month-to-date or last-N-days (N from 1 to 366)"
        }
    }
}
