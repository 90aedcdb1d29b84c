import Foundation
import Testing
@testable import UnpaidReports

@Suite struct ReportTimeTests {
    /// Foundation's ISO 8601 style is the reference the fast path must agree with.
    func foundation(_ seconds: Int64, _ zone: TimeZone) -> String {
        Date(timeIntervalSince1970: TimeInterval(seconds)).formatted(
            Date.ISO8601FormatStyle(timeZone: zone).year().month().day().time(includingFractionalSeconds: false)
                .timeZone(separator: .colon))
    }

    @Test(arguments: ["UTC", "Asia/Shanghai", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata",
                      "America/St_Johns", "Pacific/Chatham"])
    func agreesWithFoundationAcrossYearsAndTransitions(_ zoneName: String) throws {
        let zone = try #require(TimeZone(identifier: zoneName))
        var time = ReportTime(timeZone: zone)
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        for _ in 0..<3_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            // 1971 to 2090, at any second.
            let seconds = 31_536_000 + Int64(state >> 33) % 3_755_000_000
            #expect(time.string(seconds: seconds) == foundation(seconds, zone))
        }
        // Around every transition of 2026 and 2027, second by second at the edges.
        var instant = Date(timeIntervalSince1970: 1_767_225_600)
        while let next = zone.nextDaylightSavingTimeTransition(after: instant), next.timeIntervalSince1970 < 1_830_000_000 {
            let edge = Int64(next.timeIntervalSince1970)
            for seconds in [edge - 3_601, edge - 1, edge, edge + 1, edge + 899, edge + 3_600] {
                #expect(time.string(seconds: seconds) == foundation(seconds, zone))
            }
            instant = next
        }
    }

    @Test func daysAreLocalCalendarDays() {
        var shanghai = ReportTime(timeZone: TimeZone(identifier: "Asia/Shanghai")!)
        // 2026-09-30T16:00:00Z is already October 1st in Shanghai.
        #expect(shanghai.day(Date(timeIntervalSince1970: 1_790_784_000)) == "2026-10-01")
        #expect(ReportTime.day(0) == "1970-01-01" && ReportTime.day(-1) == "1969-12-31")
        #expect(ReportTime.day(11_016) == "2000-02-29")
    }
}
