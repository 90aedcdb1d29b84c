import Foundation
import Testing
import UnpaidCore

/// Zones whose clocks change at midnight: a day may start at 01:00 (spring), or its
/// midnight may come after an hour shown twice (autumn). Expected instants were checked
/// against Python's zoneinfo.
@Suite struct MidnightDaylightSavingTests {
    struct Change: Sendable, CustomTestStringConvertible {
        let zone: String
        /// The local date of the change.
        let year: Int, month: Int, day: Int
        let why: String
        var timeZone: TimeZone { TimeZone(identifier: zone)! }
        var testDescription: String { "\(zone) \(year)-\(month)-\(day): \(why)" }
    }

    static let changes: [Change] = [
        Change(zone: "America/Santiago", year: 2025, month: 9, day: 7, why: "00:00 -> 01:00"),
        Change(zone: "America/Santiago", year: 2025, month: 4, day: 6, why: "00:00 -> 23:00 the day before"),
        Change(zone: "America/Asuncion", year: 2023, month: 10, day: 1, why: "00:00 -> 01:00"),
        Change(zone: "America/Asuncion", year: 2024, month: 3, day: 24, why: "00:00 -> 23:00 the day before"),
        Change(zone: "Asia/Beirut", year: 2025, month: 3, day: 30, why: "00:00 -> 01:00"),
        Change(zone: "Asia/Beirut", year: 2025, month: 10, day: 26, why: "00:00 -> 23:00 the day before"),
        Change(zone: "America/Havana", year: 2025, month: 3, day: 9, why: "00:00 -> 01:00"),
        Change(zone: "America/Havana", year: 2025, month: 11, day: 2, why: "01:00 -> 00:00: midnight shown twice"),
        Change(zone: "Europe/Berlin", year: 2026, month: 3, day: 29, why: "02:00 -> 03:00, not at midnight"),
    ]

    static let periods: [PeriodSpec] = [.previousDay, .previousWeek, .previousMonth, .monthToDate, .lastDays(1), .lastDays(7)]

    /// The local date Foundation shows at `seconds` in `zone`.
    static func localDate(_ seconds: Int64, _ zone: TimeZone) -> DateComponents {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// True when `seconds` shows a different date than the second before it.
    static func startsADay(_ seconds: Int64, _ zone: TimeZone) -> Bool {
        localDate(seconds, zone) != localDate(seconds - 1, zone)
    }

    /// Instants every 30 minutes from two days before to two days after the change.
    static func instantsAround(_ change: Change) -> [Date] {
        let noonUTC = Int64(CivilDay(change.year, change.month, change.day).unixNoon)
        return stride(from: noonUTC - 60 * 3600, through: noonUTC + 60 * 3600, by: 1800).map {
            Date(timeIntervalSince1970: TimeInterval($0))
        }
    }

    @Test(arguments: changes)
    func everyWindowEdgeIsTheFirstInstantOfItsDate(_ change: Change) {
        for instant in Self.instantsAround(change) {
            for period in Self.periods {
                let window = period.window(at: instant, in: change.timeZone)
                #expect(Self.startsADay(window.start, change.timeZone), "\(period) at \(instant): start \(window.start)")
                if case .monthToDate = period { continue }
                #expect(Self.startsADay(window.end, change.timeZone), "\(period) at \(instant): end \(window.end)")
            }
        }
    }

    @Test func previousDayOnTheDaySantiagoSkipsMidnightStartsAtThePreviousMidnight() {
        let santiago = TimeZone(identifier: "America/Santiago")!
        // 2025-09-07 12:00 -03: the previous day is 2025-09-06 00:00 -04 up to the jump.
        let window = PeriodSpec.previousDay.window(at: Date(timeIntervalSince1970: 1_757_257_200), in: santiago)
        #expect(window.start == 1_757_131_200 && window.end == 1_757_217_600)
        #expect(window.label(in: santiago) == "2025-09-06_2025-09-07")
        let lastThree = PeriodSpec.lastDays(3).window(at: Date(timeIntervalSince1970: 1_757_257_200), in: santiago)
        #expect(lastThree.label(in: santiago) == "2025-09-04_2025-09-07")
        // The next day's window starts at the jump: 2025-09-07 01:00 -03.
        let next = PeriodSpec.previousDay.window(at: Date(timeIntervalSince1970: 1_757_343_600), in: santiago)
        #expect(next.start == 1_757_217_600 && next.end == 1_757_300_400)
        #expect(next.label(in: santiago) == "2025-09-07_2025-09-08")
    }

    @Test func aMonthStartingAtTheJumpIsLabelledByItsDates() {
        // Asuncion's 2023-10-01 is both a month's first day and a jump: it starts at 01:00.
        let asuncion = TimeZone(identifier: "America/Asuncion")!
        let window = PeriodSpec.previousMonth.window(at: Date(timeIntervalSince1970: 1_698_850_800), in: asuncion)
        #expect(window.start == 1_696_132_800)
        #expect(window.label(in: asuncion) == "2023-10-01_2023-11-01")
    }

    @Test func aDateSkippedWholeLeavesNoHourUnfetched() {
        // Samoa skipped 2011-12-30: the run on the 31st fetches the 29th, up to the jump.
        let apia = TimeZone(identifier: "Pacific/Apia")!
        let window = PeriodSpec.previousDay.window(at: Date(timeIntervalSince1970: 1_325_250_000), in: apia)
        #expect(window.start == 1_325_152_800 && window.end == 1_325_239_200)
    }

    @Test func monthToDateInTheFirstSecondOfAMonthIsTheMonthJustEnded() {
        let utc = TimeZone(identifier: "UTC")!
        // 2026-03-01T00:00:00.5Z: rounded down, the instant is the month's first; never an empty window.
        let window = PeriodSpec.monthToDate.window(at: Date(timeIntervalSince1970: 1_772_323_200.5), in: utc)
        #expect(window.label(in: utc) == "2026-02-01_2026-03-01")
    }

    struct Tiling: Sendable, CustomTestStringConvertible {
        let schedule: String
        let period: PeriodSpec
        var testDescription: String { "\(schedule) fetching \(period)" }
    }

    static let tilings: [Tiling] = [
        Tiling(schedule: "0 0 * * *", period: .previousDay),
        Tiling(schedule: "@daily", period: .lastDays(1)),
        Tiling(schedule: "30 6 * * *", period: .previousDay),
        Tiling(schedule: "0 0 * * 1", period: .previousWeek),
        Tiling(schedule: "@weekly", period: .previousWeek),
        Tiling(schedule: "@monthly", period: .previousMonth),
        Tiling(schedule: "0 0 1 * *", period: .monthToDate),
        Tiling(schedule: "15 3 2 * *", period: .previousMonth),
    ]

    /// Consecutive fires fetch windows that meet exactly: nothing fetched twice, no hour lost.
    @Test(arguments: tilings)
    func consecutiveWindowsTileTimeAcrossEveryChange(_ tiling: Tiling) throws {
        let schedule = try Schedule(parsing: tiling.schedule)
        for change in Self.changes {
            let from = Date(timeIntervalSince1970: TimeInterval(CivilDay(change.year, change.month, change.day).unixNoon - 70 * 86_400))
            let windows = schedule.fireTimes(after: from, in: change.timeZone).prefix(tiling.period == .previousMonth || tiling.period == .monthToDate ? 6 : 60)
                .map { tiling.period.window(at: $0, in: change.timeZone) }
            for (earlier, later) in zip(windows, windows.dropFirst()) {
                #expect(earlier.end == later.start, "\(change): \(earlier.label(in: change.timeZone)) then \(later.label(in: change.timeZone))")
            }
        }
    }

    @Test func midnightCronFiresOnceAtTheJump() async throws {
        let santiago = TimeZone(identifier: "America/Santiago")!
        for expression in ["0 0 * * *", "@daily", "@midnight"] {
            let fires = try Schedule(parsing: expression)
                .fireTimes(after: Date(timeIntervalSince1970: 1_757_160_000), in: santiago).prefix(3).map { Int64($0.timeIntervalSince1970) }
            // 2025-09-07 01:00 -03 (the jump), 2025-09-08 00:00 -03, 2025-09-09 00:00 -03.
            #expect(fires == [1_757_217_600, 1_757_300_400, 1_757_386_800], "\(expression)")
        }
        // Havana shows midnight twice on 2025-11-02: the first showing only.
        let havana = TimeZone(identifier: "America/Havana")!
        let fires = try Schedule(parsing: "0 0 * * *")
            .fireTimes(after: Date(timeIntervalSince1970: 1_762_000_000), in: havana).prefix(2).map { Int64($0.timeIntervalSince1970) }
        #expect(fires == [1_762_056_000, 1_762_146_000])
    }

    @Test func aTypedDateIsTheFirstInstantOfThatDate() async throws {
        let santiago = TimeZone(identifier: "America/Santiago")!
        #expect(try LocalDateText.instant(parsing: "2025-09-07", in: santiago) == 1_757_217_600)
        #expect(try LocalDateText.instant(parsing: "2025-09-06", in: santiago) == 1_757_131_200)
        #expect(try LocalDateText.instant(parsing: "2025-09-08", in: santiago) == 1_757_300_400)
        // A time the clocks jumped over means the jump, as schedules read it.
        #expect(try LocalDateText.instant(parsing: "2025-09-07T00:30", in: santiago) == 1_757_217_600)
        #expect(try LocalDateText.instant(parsing: "2025-09-07T01:00:00", in: santiago) == 1_757_217_600)
        #expect(try LocalDateText.instant(parsing: "2025-04-06", in: santiago) == 1_743_912_000)
        // An hour shown twice: its first showing (-03).
        #expect(try LocalDateText.instant(parsing: "2025-04-05T23:30", in: santiago) == 1_743_906_600)
        #expect(try LocalDateText.instant(parsing: "1757217600", in: santiago) == 1_757_217_600)
    }

    @Test(arguments: ["2026-02-30", "2026-13-01", "2026-01-01T24:00", "2026-01-01T10:60"])
    func impossibleDatesAreRefused(_ text: String) {
        #expect(throws: LocalDateTextError.noSuchDate(text)) {
            try LocalDateText.instant(parsing: text, in: TimeZone(identifier: "UTC")!)
        }
    }

    @Test(arguments: ["yesterday", "2026-01", "2026/01/01", "2026-01-01T10", "2026-01-01T10:00:00:00", ""])
    func otherFormsAreRefused(_ text: String) {
        #expect(throws: LocalDateTextError.unrecognized(text)) {
            try LocalDateText.instant(parsing: text, in: TimeZone(identifier: "UTC")!)
        }
    }
}

/// Noon UTC of a date, to start searches from.
private struct CivilDay {
    let unixNoon: Int
    init(_ year: Int, _ month: Int, _ day: Int) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        unixNoon = Int(calendar.date(from: DateComponents(year: year, month: month, day: day, hour: 12))!.timeIntervalSince1970)
    }
}
