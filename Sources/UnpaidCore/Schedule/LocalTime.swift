import Foundation

/// A proleptic Gregorian calendar date, with arithmetic on day numbers (days since
/// 1970-01-01) so that schedule search needs no Calendar allocation per step.
struct CivilDate: Sendable, Hashable, Comparable {
    var year: Int
    var month: Int
    var day: Int

    // Howard Hinnant's days_from_civil / civil_from_days.
    init(dayNumber: Int) {
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    var dayNumber: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// 0 = Sunday ... 6 = Saturday, as cron counts.
    var weekday: Int {
        let n = (dayNumber + 4) % 7 // 1970-01-01 was a Thursday
        return n >= 0 ? n : n + 7
    }

    var daysInMonth: Int {
        switch month {
        case 2:
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
            return leap ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    var firstOfNextMonth: CivilDate {
        month == 12 ? CivilDate(year: year + 1, month: 1, day: 1) : CivilDate(year: year, month: month + 1, day: 1)
    }

    var firstOfMonth: CivilDate { CivilDate(year: year, month: month, day: 1) }

    var firstOfPreviousMonth: CivilDate {
        month == 1 ? CivilDate(year: year - 1, month: 12, day: 1) : CivilDate(year: year, month: month - 1, day: 1)
    }

    func adding(days: Int) -> CivilDate { CivilDate(dayNumber: dayNumber + days) }

    /// The Monday of the ISO week holding this date.
    var monday: CivilDate { adding(days: -((weekday + 6) % 7)) }

    static func < (a: CivilDate, b: CivilDate) -> Bool { a.dayNumber < b.dayNumber }
}

/// Conversions between instants and wall-clock time in a zone, resolving the two
/// daylight-saving cases the way the schedule promises: a wall time that occurs twice
/// maps to its first occurrence, one that does not exist maps to the first instant after it.
struct ZonedClock {
    let timeZone: TimeZone

    /// Seconds since the epoch as if wall time were UTC ("local seconds").
    func localSeconds(of instant: Int64) -> Int64 {
        instant + offset(at: instant)
    }

    /// The calendar date the wall clock shows at `instant`.
    func date(at instant: Int64) -> CivilDate {
        CivilDate(dayNumber: Int(localSeconds(of: instant).floorDivided(by: 86_400)))
    }

    /// The first instant of `date`: its midnight, or, where clocks jump over midnight
    /// (America/Santiago on 2025-09-07), the instant of the jump. Never "midnight plus
    /// 24 hours" arithmetic: days last 23 or 25 hours across a change.
    func startOfDay(_ date: CivilDate) -> Int64 {
        earliestInstant(showing: Int64(date.dayNumber) * 86_400)
    }

    /// The first instant showing wall time `local`, or the instant clocks jumped over it.
    func earliestInstant(showing local: Int64) -> Int64 {
        // Transitions are months apart, so the offsets a day either side cover every reading.
        let before = offset(at: local - 86_400)
        let after = offset(at: local + 86_400)
        let candidates = [local - Int64(max(before, after)), local - Int64(min(before, after))]
        if let first = candidates.first(where: { localSeconds(of: $0) == local }) {
            return first
        }
        // A gap: the wall time was skipped. Find the transition between the two readings.
        var low = local - Int64(max(before, after)) // still shows the old offset
        var high = local - Int64(min(before, after)) // already shows the new one
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if localSeconds(of: middle) >= local { high = middle } else { low = middle }
        }
        return high
    }

    private func offset(at instant: Int64) -> Int64 {
        Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant))))
    }
}

extension Int64 {
    func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
