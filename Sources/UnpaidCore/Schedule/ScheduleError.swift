/// One of the five fields of a cron expression, in the order they are written.
public enum CronField: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case minute, hour, dayOfMonth, month, dayOfWeek

    public var description: String {
        switch self {
        case .minute: "minute"
        case .hour: "hour"
        case .dayOfMonth: "day-of-month"
        case .month: "month"
        case .dayOfWeek: "day-of-week"
        }
    }

    /// The values a field accepts, as a person would read them in an error.
    var expected: String {
        switch self {
        case .minute: "0-59"
        case .hour: "0-23"
        case .dayOfMonth: "1-31"
        case .month: "1-12 or jan-dec"
        case .dayOfWeek: "0-7 (0 and 7 are Sunday) or sun-sat"
        }
    }
}

/// Why a schedule could not be read; every case names the text at fault and what was expected.
public enum ScheduleError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    case wrongFieldCount(expression: String, found: Int)
    case invalidField(expression: String, field: CronField, text: String, problem: String)
    case unknownMacro(String)
    case invalidDuration(expression: String, text: String)
    case neverFires(expression: String)

    public var description: String {
        switch self {
        case .empty:
            return "the schedule is empty: expected five cron fields (minute hour day-of-month month day-of-week), @daily-style macro or \"@every <duration>\""
        case .wrongFieldCount(let expression, let found):
            return "schedule \"\(expression)\" has \(found) field\(found == 1 ? "" : "s"): expected five (minute hour day-of-month month day-of-week)"
        case .invalidField(let expression, let field, let text, let problem):
            let position = field.rawValue + 1
            return "schedule \"\(expression)\": \(field) field (field \(position)) \"\(text)\": \(problem); expected \(field.expected), with lists (a,b), ranges (a-b) and steps (*/n, a-b/n)"
        case .unknownMacro(let text):
            return "unknown schedule macro \"\(text)\": expected @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or \"@every <duration>\""
        case .invalidDuration(let expression, let text):
            return "schedule \"\(expression)\": duration \"\(text)\" is not valid: expected a positive whole number of units, e.g. 30s, 90m, 6h, 1d or 1h30m"
        case .neverFires(let expression):
            return "schedule \"\(expression)\" never fires: no selected month has the selected day of month (e.g. 30 2 is February 30)"
        }
    }
}
