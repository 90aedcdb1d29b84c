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

    private static func stamp(_ seconds: Int64, _ timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second],
                                        from: Date(timeIntervalSince1970: TimeInterval(seconds)))
        let date = String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
        if c.hour == 0, c.minute == 0, c.second == 0 { return date }
        return date + String(format: "T%02d%02d%02d", c.hour!, c.minute!, c.second!)
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
    public func window(at instant: Date, in timeZone: TimeZone) -> BillingWindow {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = timeZone
        let today = calendar.startOfDay(for: instant)
        func day(_ offset: Int, from date: Date) -> Date {
            calendar.date(byAdding: .day, value: offset, to: date)!
        }
        func month(_ offset: Int, from date: Date) -> Date {
            calendar.date(byAdding: .month, value: offset, to: date)!
        }
        let thisMonth = calendar.dateInterval(of: .month, for: instant)!.start
        let (start, end): (Date, Date)
        switch self {
        case .previousDay:
            (start, end) = (day(-1, from: today), today)
        case .previousWeek:
            let thisWeek = calendar.dateInterval(of: .weekOfYear, for: instant)!.start
            (start, end) = (day(-7, from: thisWeek), thisWeek)
        case .previousMonth:
            (start, end) = (month(-1, from: thisMonth), thisMonth)
        case .monthToDate:
            (start, end) = instant > thisMonth ? (thisMonth, instant) : (month(-1, from: thisMonth), thisMonth)
        case .lastDays(let days):
            (start, end) = (day(-days, from: today), today)
        }
        // Calendar arithmetic above always yields end > start.
        return try! BillingWindow(start: Int64(start.timeIntervalSince1970.rounded(.down)),
                                  end: Int64(end.timeIntervalSince1970.rounded(.down)))
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
