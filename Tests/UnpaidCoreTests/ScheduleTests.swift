import Foundation
import Testing
import UnpaidCore

/// Expected instants were worked out by hand and checked against Python's zoneinfo
/// and `systemd-analyze calendar`.
@Suite struct ScheduleTests {
    static func instant(_ iso: String) -> Date { ISO8601DateFormatter().date(from: iso)! }
    static func zone(_ id: String) -> TimeZone { TimeZone(identifier: id)! }

    func fires(_ expression: String, after start: String, in zone: String = "UTC", count: Int) throws -> [String] {
        let schedule = try Schedule(parsing: expression)
        let formatter = ISO8601DateFormatter()
        return schedule.fireTimes(after: Self.instant(start), in: Self.zone(zone))
            .prefix(count).map { formatter.string(from: $0) }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let expression: String, zone: String, after: String, expected: [String], why: String
        var testDescription: String { "\(expression) in \(zone): \(why)" }
    }

    static let cases: [Case] = [
        Case(expression: "30 2 * * *", zone: "Europe/Berlin", after: "2026-03-28T12:00:00Z",
             expected: ["2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"],
             why: "02:30 does not exist on spring-forward day: fires at 03:00 CEST"),
        Case(expression: "0,30 2,3 * * *", zone: "Europe/Berlin", after: "2026-03-29T00:00:00Z",
             expected: ["2026-03-29T01:00:00Z", "2026-03-29T01:30:00Z", "2026-03-30T00:00:00Z"],
             why: "02:00, 02:30 and 03:00 collapse into one fire at the jump"),
        Case(expression: "30 2 * * *", zone: "Europe/Berlin", after: "2026-10-24T12:00:00Z",
             expected: ["2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"],
             why: "02:30 occurs twice on fall-back day: fires at the first (CEST) only"),
        Case(expression: "*/30 * * * *", zone: "Europe/Berlin", after: "2026-10-25T00:15:00Z",
             expected: ["2026-10-25T00:30:00Z", "2026-10-25T02:00:00Z"],
             why: "the repeated hour's wall times already fired"),
        Case(expression: "30 2 * * *", zone: "America/New_York", after: "2026-03-07T12:00:00Z",
             expected: ["2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"],
             why: "spring forward at 02:00 EST"),
        Case(expression: "30 1 * * *", zone: "America/New_York", after: "2026-10-31T12:00:00Z",
             expected: ["2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"],
             why: "01:30 twice on fall-back day: EDT occurrence only"),
        Case(expression: "0 2 * * *", zone: "Asia/Shanghai", after: "2026-03-07T12:00:00Z",
             expected: ["2026-03-07T18:00:00Z", "2026-03-08T18:00:00Z", "2026-03-09T18:00:00Z"],
             why: "no daylight saving: always UTC+8"),
        Case(expression: "15 2 * * *", zone: "Australia/Lord_Howe", after: "2026-10-03T12:00:00Z",
             expected: ["2026-10-03T15:30:00Z", "2026-10-04T15:15:00Z"],
             why: "half-hour jump 02:00 -> 02:30: 02:15 fires at 02:30 (+11)"),
        Case(expression: "45 1 * * *", zone: "Australia/Lord_Howe", after: "2026-04-04T12:00:00Z",
             expected: ["2026-04-04T14:45:00Z", "2026-04-05T15:15:00Z"],
             why: "half-hour fall-back 02:00 -> 01:30: 01:45 fires once, at +11"),
        Case(expression: "0 0 31 * *", zone: "UTC", after: "2026-04-01T00:00:00Z",
             expected: ["2026-05-31T00:00:00Z", "2026-07-31T00:00:00Z", "2026-08-31T00:00:00Z"],
             why: "months without a 31st are skipped"),
        Case(expression: "0 12 29 2 *", zone: "UTC", after: "2026-01-01T00:00:00Z",
             expected: ["2028-02-29T12:00:00Z", "2032-02-29T12:00:00Z"],
             why: "February 29 only in leap years"),
        Case(expression: "0 0 29 2 *", zone: "UTC", after: "2096-03-01T00:00:00Z",
             expected: ["2104-02-29T00:00:00Z"],
             why: "2100 is not a leap year"),
        Case(expression: "0 0 13 * 5", zone: "UTC", after: "2026-12-05T00:00:00Z",
             expected: ["2026-12-11T00:00:00Z", "2026-12-13T00:00:00Z", "2026-12-18T00:00:00Z"],
             why: "both days restricted: the 13th or a Friday"),
        Case(expression: "0 0 */2 * 5", zone: "UTC", after: "2026-11-01T00:00:00Z",
             expected: ["2026-11-13T00:00:00Z", "2026-11-27T00:00:00Z"],
             why: "day-of-month starting with * restricts with AND: odd days that are Fridays"),
        Case(expression: "0 9 * JAN-mar Mon-Fri", zone: "UTC", after: "2026-03-30T10:00:00Z",
             expected: ["2026-03-31T09:00:00Z", "2027-01-01T09:00:00Z"],
             why: "month and weekday names, any case"),
        Case(expression: "0 0 * * 7", zone: "UTC", after: "2026-11-16T00:00:00Z",
             expected: ["2026-11-22T00:00:00Z", "2026-11-29T00:00:00Z"],
             why: "7 is Sunday"),
        Case(expression: "0 0 * * 5-7", zone: "UTC", after: "2026-11-19T00:00:00Z",
             expected: ["2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z", "2026-11-22T00:00:00Z", "2026-11-27T00:00:00Z"],
             why: "a range ending on 7 includes Sunday"),
        Case(expression: "5/20 */6 * * *", zone: "UTC", after: "2026-11-22T05:00:00Z",
             expected: ["2026-11-22T06:05:00Z", "2026-11-22T06:25:00Z", "2026-11-22T06:45:00Z", "2026-11-22T12:05:00Z"],
             why: "a/n steps from a, */n from the minimum"),
        Case(expression: "10-20/5,59 23 * * *", zone: "UTC", after: "2026-11-22T23:15:00Z",
             expected: ["2026-11-22T23:20:00Z", "2026-11-22T23:59:00Z", "2026-11-23T23:10:00Z"],
             why: "lists of stepped ranges"),
        Case(expression: "@weekly", zone: "Europe/Berlin", after: "2026-11-18T00:00:00Z",
             expected: ["2026-11-21T23:00:00Z"], why: "@weekly is Sunday midnight in the zone"),
        Case(expression: "@monthly", zone: "Asia/Shanghai", after: "2026-11-18T00:00:00Z",
             expected: ["2026-11-30T16:00:00Z"], why: "@monthly is the first at midnight"),
        Case(expression: "@yearly", zone: "UTC", after: "2026-11-18T00:00:00Z",
             expected: ["2027-01-01T00:00:00Z"], why: "@yearly"),
        Case(expression: "@hourly", zone: "Asia/Kolkata", after: "2026-11-18T00:00:00Z",
             expected: ["2026-11-18T00:30:00Z", "2026-11-18T01:30:00Z"], why: "whole local hours in a +05:30 zone"),
        Case(expression: "@every 90m", zone: "Europe/Berlin", after: "2026-11-22T17:00:00Z",
             expected: ["2026-11-22T18:00:00Z", "2026-11-22T19:30:00Z"],
             why: "intervals are multiples of 5400 s since the epoch"),
        Case(expression: "@every 6h", zone: "Australia/Lord_Howe", after: "2026-10-03T13:00:00Z",
             expected: ["2026-10-03T18:00:00Z", "2026-10-04T00:00:00Z"], why: "intervals ignore zones"),
        // Same answers as `systemd-analyze calendar --iterations=5` on 2026-11-22 for the
        // OnCalendar translations `Mon..Fri *-01..03-* 09:00:00 UTC` and
        // `*-*-* 01:45:00 Australia/Lord_Howe`.
        Case(expression: "0 9 * 1-3 1-5", zone: "UTC", after: "2026-11-22T17:35:00Z",
             expected: ["2027-01-01T09:00:00Z", "2027-01-04T09:00:00Z", "2027-01-05T09:00:00Z",
                        "2027-01-06T09:00:00Z", "2027-01-07T09:00:00Z"], why: "matches systemd-analyze"),
        Case(expression: "45 1 * * *", zone: "Australia/Lord_Howe", after: "2026-11-22T17:35:00Z",
             expected: ["2026-11-23T14:45:00Z", "2026-11-24T14:45:00Z"], why: "matches systemd-analyze"),
    ]

    @Test(arguments: cases) func fireTimes(_ c: Case) async throws {
        #expect(try fires(c.expression, after: c.after, in: c.zone, count: c.expected.count) == c.expected)
    }

    @Test func exactFireTimeIsNotRepeated() async throws {
        let schedule = try Schedule(parsing: "0 6 * * *")
        let next = schedule.nextFire(after: Self.instant("2026-11-22T06:00:00Z"), in: Self.zone("UTC"))
        #expect(next == Self.instant("2026-11-23T06:00:00Z"))
    }

    @Test func searchSkipsByFieldNotMinute() async throws {
        // 2000 leap days span 8000+ years: a minute-by-minute search would never finish.
        let schedule = try Schedule(parsing: "0 0 29 2 *")
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = Self.zone("UTC")
        var last = Self.instant("2026-01-01T00:00:00Z")
        for _ in 0..<2000 {
            last = try #require(schedule.nextFire(after: last, in: Self.zone("UTC")))
        }
        let parts = calendar.dateComponents([.year, .month, .day], from: last)
        #expect(parts.month == 2 && parts.day == 29 && parts.year! > 10_000)
    }

    @Test func intervalRoundTripsItsText() async throws {
        #expect(try Schedule(parsing: "@every 1h30m").description == "@every 1h30m")
        #expect(try Schedule(parsing: "@every 30s") == .every(seconds: 30))
        #expect(try Schedule(parsing: "@every 2d") == .every(seconds: 172_800))
        #expect(Schedule.durationSeconds("24h") == 86_400)
        #expect(Schedule.durationSeconds("1h 30m") == nil)
        #expect(Schedule.durationSeconds("-5m") == nil)
    }

    struct Invalid: Sendable, CustomTestStringConvertible {
        let expression: String, error: ScheduleError
        var testDescription: String { expression }
    }

    static let invalid: [Invalid] = [
        Invalid(expression: "", error: .empty),
        Invalid(expression: "* * * *", error: .wrongFieldCount(expression: "* * * *", found: 4)),
        Invalid(expression: "60 * * * *", error: .invalidField(expression: "60 * * * *", field: .minute, text: "60", problem: "60 is out of range")),
        Invalid(expression: "0 24 * * *", error: .invalidField(expression: "0 24 * * *", field: .hour, text: "24", problem: "24 is out of range")),
        Invalid(expression: "0 0 0 * *", error: .invalidField(expression: "0 0 0 * *", field: .dayOfMonth, text: "0", problem: "0 is out of range")),
        Invalid(expression: "0 0 * foo *", error: .invalidField(expression: "0 0 * foo *", field: .month, text: "foo", problem: "\"foo\" is not a number or name")),
        Invalid(expression: "0 0 * * 8", error: .invalidField(expression: "0 0 * * 8", field: .dayOfWeek, text: "8", problem: "8 is out of range")),
        Invalid(expression: "0 0 * * fri-mon", error: .invalidField(expression: "0 0 * * fri-mon", field: .dayOfWeek, text: "fri-mon", problem: "range start 5 is after its end 1")),
        Invalid(expression: "*/0 * * * *", error: .invalidField(expression: "*/0 * * * *", field: .minute, text: "*/0", problem: "step \"0\" must be a whole number from 1 to 59")),
        Invalid(expression: "1,,2 * * * *", error: .invalidField(expression: "1,,2 * * * *", field: .minute, text: "1,,2", problem: "an empty list item")),
        Invalid(expression: "0 0 * mon *", error: .invalidField(expression: "0 0 * mon *", field: .month, text: "mon", problem: "\"mon\" is not a number or name")),
        Invalid(expression: "0 0 30 2 *", error: .neverFires(expression: "0 0 30 2 *")),
        Invalid(expression: "@fortnightly", error: .unknownMacro("@fortnightly")),
        Invalid(expression: "@every 0s", error: .invalidDuration(expression: "@every 0s", text: "0s")),
        Invalid(expression: "@every 6", error: .invalidDuration(expression: "@every 6", text: "6")),
        Invalid(expression: "@every 6x", error: .invalidDuration(expression: "@every 6x", text: "6x")),
    ]

    @Test(arguments: invalid) func rejects(_ c: Invalid) {
        #expect(throws: c.error) { try Schedule(parsing: c.expression) }
    }

    @Test func errorMessageNamesTheField() {
        let error = ScheduleError.invalidField(expression: "0 24 * * *", field: .hour, text: "24", problem: "24 is out of range")
        #expect(error.description == "schedule \"0 24 * * *\": hour field (field 2) \"24\": 24 is out of range; expected 0-23, with lists (a,b), ranges (a-b) and steps (*/n, a-b/n)")
    }
}
