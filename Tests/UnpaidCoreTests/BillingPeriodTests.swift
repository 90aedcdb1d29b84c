import Foundation
import Testing
import UnpaidCore

@Suite struct BillingPeriodTests {
    let shanghai = TimeZone(identifier: "Asia/Shanghai")!
    let berlin = TimeZone(identifier: "Europe/Berlin")!

    func instant(_ iso: String) -> Date { ISO8601DateFormatter().date(from: iso)! }

    @Test func previousMonthInShanghai() {
        // 2025-12-01T00:30+08:00 -> November 2025 in Shanghai: the reference's vector window.
        let window = PeriodSpec.previousMonth.window(at: instant("2025-11-30T16:30:00Z"), in: shanghai)
        #expect(window.start == 1761926400 && window.end == 1764518400)
        #expect(window.label(in: shanghai) == "2025-11-01_2025-12-01")
    }

    @Test func previousDayAcrossSpringForwardIs23Hours() {
        let window = PeriodSpec.previousDay.window(at: instant("2026-03-30T08:00:00Z"), in: berlin)
        #expect(window.end - window.start == 23 * 3600)
        #expect(window.label(in: berlin) == "2026-03-29_2026-03-30")
    }

    @Test func previousWeekStartsMonday() {
        // Sunday 2026-11-22 -> Monday 2026-11-09 .. Monday 2026-11-16.
        let window = PeriodSpec.previousWeek.window(at: instant("2026-11-22T12:00:00Z"), in: berlin)
        #expect(window.label(in: berlin) == "2026-11-09_2026-11-16")
    }

    @Test func monthToDateAndItsFirstInstant() {
        let midMonth = PeriodSpec.monthToDate.window(at: instant("2026-02-10T06:00:00Z"), in: shanghai)
        #expect(midMonth.label(in: shanghai) == "2026-02-01_2026-02-10T140000")
        let firstInstant = PeriodSpec.monthToDate.window(at: instant("2026-02-28T16:00:00Z"), in: shanghai)
        #expect(firstInstant.label(in: shanghai) == "2026-02-01_2026-03-01")
    }

    @Test func lastNDaysIncludesLeapDay() async throws {
        let spec = try PeriodSpec(parsing: "last-3-days")
        let window = spec.window(at: instant("2028-03-01T12:00:00Z"), in: shanghai)
        #expect(window.label(in: shanghai) == "2028-02-27_2028-03-01")
        #expect(spec.description == "last-3-days")
    }

    @Test(arguments: ["yesterday", "last-0-days", "last-x-days", "last-400-days", ""])
    func rejectsUnknownPeriods(text: String) {
        #expect(throws: PeriodError.self) { try PeriodSpec(parsing: text) }
    }

    @Test func emptyWindowIsRefused() {
        #expect(throws: PeriodError.emptyWindow(start: 5, end: 5)) { try BillingWindow(start: 5, end: 5) }
    }
}
