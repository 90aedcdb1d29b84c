import Foundation
import Testing
@testable import UnpaidCore

@Suite struct QuietHoursTests {
    func at(_ text: String) throws -> Int64 {
        Int64(try Date(text, strategy: .iso8601).timeIntervalSince1970)
    }

    func quiet(_ hours: String?, days: [String] = [], zone: String) throws -> QuietHours {
        try QuietHours(hours: hours, days: days, timeZone: try #require(TimeZone(identifier: zone)))
    }

    @Test func aWindowWrapsMidnight() async throws {
        let night = try quiet("22:00-08:00", zone: "Asia/Shanghai")
        #expect(night.quietUntil(try at("2027-01-14T13:59:59Z")) == nil, "21:59:59 in Shanghai")
        #expect(night.quietUntil(try at("2027-01-14T14:00:00Z")) == (try at("2027-01-15T00:00:00Z")), "22:00 until 08:00")
        #expect(night.quietUntil(try at("2027-01-14T19:30:00Z")) == (try at("2027-01-15T00:00:00Z")), "03:30 after midnight")
        #expect(night.quietUntil(try at("2027-01-15T00:00:00Z")) == nil, "08:00 is the end, not quiet")
        let lunch = try quiet("12:00-13:30", zone: "UTC")
        #expect(lunch.quietUntil(try at("2027-01-14T12:45:00Z")) == (try at("2027-01-14T13:30:00Z")))
        #expect(lunch.quietUntil(try at("2027-01-14T23:00:00Z")) == nil)
    }

    /// New York springs forward on 2027-03-14: that night's 22:00-08:00 lasts nine hours,
    /// and falls back on 2027-11-07: eleven.
    @Test func aWindowAcrossADaylightSavingChangeFollowsTheWallClock() async throws {
        let night = try quiet("22:00-08:00", zone: "America/New_York")
        let spring = try at("2027-03-14T03:00:00Z")  // 22:00 EST on the 13th
        #expect(night.quietUntil(spring) == (try at("2027-03-14T12:00:00Z")), "08:00 EDT")
        #expect(night.quietSeconds(from: spring, to: spring + 12 * 3600) == 9 * 3600)
        let autumn = try at("2027-11-07T02:00:00Z")  // 22:00 EDT on the 6th
        #expect(night.quietUntil(autumn) == (try at("2027-11-07T13:00:00Z")), "08:00 EST")
        #expect(night.quietSeconds(from: autumn, to: autumn + 12 * 3600) == 11 * 3600)
    }

    /// 01:00-01:59 happens twice on 2027-11-07 in New York: a window ending at 01:30 ends
    /// at the first 01:30 and is not quiet again during the repeated hour.
    @Test func aRepeatedHourIsNotQuietTwice() async throws {
        let window = try quiet("00:30-01:30", zone: "America/New_York")
        #expect(window.quietUntil(try at("2027-11-07T04:45:00Z")) == (try at("2027-11-07T05:30:00Z")), "00:45 EDT")
        #expect(window.quietUntil(try at("2027-11-07T06:15:00Z")) == nil, "the second 01:15, now EST")
    }

    /// A window starting where the clock jumps (02:30 does not exist on 2027-03-14) starts at the jump.
    @Test func aWindowStartingInASkippedHourStartsAtTheJump() async throws {
        let window = try quiet("02:30-04:00", zone: "America/New_York")
        #expect(window.quietUntil(try at("2027-03-14T06:59:59Z")) == nil, "01:59:59 EST")
        #expect(window.quietUntil(try at("2027-03-14T07:00:00Z")) == (try at("2027-03-14T08:00:00Z")), "03:00 EDT to 04:00 EDT")
    }

    /// Saturday and Sunday in Shanghai, with the nightly window, make one quiet weekend
    /// from Friday 22:00 to Monday 08:00.
    @Test func quietDaysJoinTheNightsAroundThem() async throws {
        let weekend = try quiet("22:00-08:00", days: ["sat", "Sunday"], zone: "Asia/Shanghai")
        let friday = try at("2027-01-15T14:00:00Z")  // Friday 22:00 in Shanghai
        let monday = try at("2027-01-18T00:00:00Z")  // Monday 08:00
        #expect(weekend.quietUntil(friday) == monday)
        #expect(weekend.quietUntil(try at("2027-01-16T06:00:00Z")) == monday, "Saturday 14:00")
        #expect(weekend.quietUntil(friday - 1) == nil)
        let daysOnly = try quiet(nil, days: ["sat", "sun"], zone: "Asia/Shanghai")
        #expect(daysOnly.quietUntil(try at("2027-01-16T06:00:00Z")) == (try at("2027-01-17T16:00:00Z")), "Monday 00:00")
        #expect(daysOnly.quietUntil(friday) == nil)
        #expect(weekend.description == "22:00-08:00, sat, sun (Asia/Shanghai)")
    }

    @Test func mistakesNameTheKey() {
        func problem(_ hours: String?, _ days: [String] = []) -> QuietHoursError? {
            do {
                _ = try QuietHours(hours: hours, days: days, timeZone: TimeZone(identifier: "UTC")!)
                return nil
            } catch {
                return error
            }
        }
        #expect(problem("22:00")?.key == "quiet_hours")
        #expect(problem("24:00-08:00")?.key == "quiet_hours")
        #expect(problem("8:00-9:00")?.key == "quiet_hours")
        #expect(problem("09:00-09:00")?.problem.contains("quiet_days") == true)
        #expect(problem(nil, ["sat", "caturday"])?.problem.contains("caturday") == true)
        #expect(problem(nil, ["mon", "tue", "wed", "thu", "fri", "sat", "sun"])?.key == "quiet_days")
        #expect(problem(nil, []) != nil)
        #expect(problem("23:15-00:45") == nil)
    }
}
