import Foundation
import Testing
import UnpaidCore
@testable import SQLiteLedger
import Ledger
@testable import UnpaidReports

/// The HTML report from values, no database: its content, and a real browser's rendering.
@Suite struct HTMLReportTests {
    static let zone = TimeZone(identifier: "Asia/Shanghai")!
    static let asOf = Date(timeIntervalSince1970: 1_793_500_000)

    static func snapshot(_ id: Int64, organization: Int64, day: Int, totals: [String: Total]) -> SnapshotRecord {
        SnapshotRecord(id: SnapshotID(rawValue: id), runID: RunID(rawValue: id), job: "daily", organizationID: organization,
                       window: try! BillingWindow(start: 1_790_000_000, end: 1_790_086_400), periodLabel: "p",
                       fetchedAt: asOf.addingTimeInterval(Double(day - 30) * 86_400), fileName: "f.xlsx", fileSize: 1,
                       sha256: String(repeating: "a", count: 64), archivePath: "a", rowCount: 1, totals: totals)
    }

    /// An organization whose USD total grows over 30 days, with a little CNY and an odd name.
    static func overview(_ organization: Int64, job: String = "daily") -> SeriesOverview {
        let amount = { (text: String) in try! Money(text) }
        var history: [HistoryLine] = []
        for day in 0...30 {
            let usd = Money(units: Int128(100_000 + day * 2_500 + Int(organization % 7) * 1_000), scale: 2)
            let record = snapshot(Int64(day + 1), organization: organization, day: day, totals: [:])
            history.append(HistoryLine(fetchedAt: record.fetchedAt, job: job, organizationID: organization,
                                       window: record.window, periodLabel: "p", currency: "USD", orderCount: 10 + day,
                                       total: usd, snapshotID: record.id, runID: record.runID, runStatus: .succeeded))
            if day % 3 == 0 {
                history.append(HistoryLine(fetchedAt: record.fetchedAt, job: job, organizationID: organization,
                                           window: record.window, periodLabel: "p", currency: "CNY", orderCount: 1,
                                           total: amount("88.80"), snapshotID: record.id, runID: record.runID, runStatus: .succeeded))
            }
        }
        let opening = snapshot(1, organization: organization, day: 0, totals: ["USD": Total(count: 10, sum: amount("1000.00"))])
        let closing = snapshot(31, organization: organization, day: 30,
                               totals: ["USD": Total(count: 40, sum: amount("1750.00")), "CNY": Total(count: 1, sum: amount("88.80"))])
        let lines = [
            RollForwardLine(currency: "CNY", opening: Total(), new: Total(count: 1, sum: amount("88.80")), gone: Total(),
                            amountChanges: Total(), closing: Total(count: 1, sum: amount("88.80"))),
            RollForwardLine(currency: "USD", opening: Total(count: 10, sum: amount("1000.00")),
                            new: Total(count: 32, sum: amount("800.00")), gone: Total(count: 2, sum: amount("60.00")),
                            amountChanges: Total(count: 1, sum: amount("10.00")), closing: Total(count: 40, sum: amount("1750.00"))),
        ]
        let aging = AgingLine(organizationID: organization, job: job, snapshotID: closing.id, currency: "USD",
                              buckets: [Total(count: 30, sum: amount("1200.00")), Total(count: 5, sum: amount("300.00")),
                                        Total(count: 3, sum: amount("150.00")), Total(count: 1, sum: amount("75.00"))],
                              notYetStarted: Total(count: 1, sum: amount("25.00")), noStartTime: Total(),
                              total: Total(count: 40, sum: amount("1750.00")))
        let largest = (0..<5).map { index in
            UnpaidOrder(orderNo: "U-\(organization)-<\(index)>", organizationID: organization, currency: "USD",
                        totalPrice: Money(units: Int128(9_000 - index * 1_000), scale: 2), startTime: 1_791_000_000,
                        productCode: "modelverse")
        }
        return SeriesOverview(job: job, organizationID: organization, history: history, aging: [aging],
                              rollForward: RollForward(job: job, organizationID: organization, opening: opening,
                                                       closing: closing, lines: lines),
                              largestOrders: ["USD": largest])
    }

    func render(_ overviews: [SeriesOverview]) throws -> String {
        let output = ReportOutput.memory()
        var report = HTMLReport(timeZone: Self.zone, buckets: .standard, since: Self.asOf.addingTimeInterval(-30 * 86_400),
                                asOf: Self.asOf)
        try report.write(overviews, to: output)
        return output.text
    }

    @Test func thePageIsSelfContainedWithTheSummaryFirstAndExactAmounts() async throws {
        let html = try render([Self.overview(100001), Self.overview(100002, job: "a&b")])
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.hasSuffix("</html>\n"))
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("http://") && !html.contains("https://"))
        #expect(html.contains("@page { size: A4"))
        let summary = try #require(html.range(of: "<h2>Summary</h2>"))
        let details = try #require(html.range(of: "<h2>Organization 100001"))
        #expect(summary.upperBound < details.lowerBound, "the summary comes before the details")
        #expect(html.contains("<td class=\"number\">1750.00</td>") && html.contains("<td class=\"number\">+750.00</td>"))
        #expect(html.contains("−gone") == false && html.contains("<td class=\"number\">-60.00</td>"))
        #expect(html.contains("U-100001-&lt;0&gt;") && html.contains("job a&amp;b"), "texts are escaped")
        #expect(html.components(separatedBy: "<svg").count - 1 == 2 * 2 + 2, "a totals chart per currency, aging where known")
        #expect(html.contains("href=\"#org-100002-a-b\"") && html.contains("id=\"org-100002-a-b\""))
        #expect(try render([]).contains("No snapshot in the ledger"))
    }

    static func unreconciled(_ id: Int64, organization: Int64, day: Int,
                             status: ReconciliationStatus = .mismatch) -> UnreconciledSnapshot {
        let answer = AmountReading.answered(AmountAnswer(count: 41, amount: try! Money("1760.00"), requestID: "req-\(id)"))
        let reading = status == .unavailable ? AmountReading.unavailable(AmountUnavailable(reason: "RetCode 230")) : answer
        return UnreconciledSnapshot(
            snapshotID: SnapshotID(rawValue: id), job: "daily", organizationID: organization,
            fetchedAt: asOf.addingTimeInterval(Double(day - 30) * 86_400),
            reconciliation: Reconciliation(status: status, exportCount: 40, exportAmount: nil, before: reading,
                                           after: reading, refetched: false, reason: "export 40 orders, GetOrderAmount 41"))
    }

    func render(_ overviews: [SeriesOverview], unreconciled: [UnreconciledSnapshot]) throws -> String {
        let output = ReportOutput.memory()
        var report = HTMLReport(timeZone: Self.zone, buckets: .standard, since: Self.asOf.addingTimeInterval(-30 * 86_400),
                                asOf: Self.asOf)
        try report.write(overviews, unreconciled: unreconciled, to: output)
        return output.text
    }

    /// A mismatch is visible in the summary (its own table and a flag on the series' rows)
    /// and at the top of the series' section, with its status and both sources' figures.
    @Test func unreconciledSnapshotsAreMarkedInTheSummaryAndTheirSection() async throws {
        let html = try render([Self.overview(100001), Self.overview(100002)],
                              unreconciled: [Self.unreconciled(31, organization: 100001, day: 30),
                                             Self.unreconciled(20, organization: 100001, day: 19, status: .unavailable)])
        let summary = try #require(html.components(separatedBy: "<h2>Organization 100001").first)
        #expect(summary.contains("Not reconciled with GetOrderAmount: 2 snapshots of 1 series"))
        #expect(summary.contains("1 mismatch, 1 GetOrderAmount unavailable"))
        #expect(summary.contains("<td class=\"number\">40 orders, several currencies</td>"))
        #expect(summary.contains("<td class=\"number\">41 orders, 1760.00</td>"), "GetOrderAmount's figures")
        let flagged = summary.components(separatedBy: "<tr class=\"unreconciled\"><td><a href=\"#org-100001-daily\">100001</a> "
                                                    + "<span class=\"flag\"").count - 1
        #expect(flagged == 2, "both currency rows of 100001 carry the flag")
        #expect(!summary.contains("href=\"#org-100002-daily\">100002</a> <span"), "100002 is not flagged")

        let section = try #require(html.components(separatedBy: "<h2>Organization 100001").last?
            .components(separatedBy: "<h2>Organization 100002").first)
        #expect(section.contains("⚠ Not reconciled with GetOrderAmount: 1 mismatch, 1 GetOrderAmount unavailable"))
        #expect(section.contains("<td>mismatch</td>") && section.contains("no answer: RetCode 230"))
        #expect(section.contains("export 40 orders, GetOrderAmount 41"))
        let other = try #require(html.components(separatedBy: "<h2>Organization 100002").last)
        #expect(!other.contains("Not reconciled"))

        let clean = try render([Self.overview(100001)], unreconciled: [])
        #expect(clean.contains("No snapshot in this period disagrees with GetOrderAmount") && !clean.contains("⚠"))
    }

    /// Before the period only the latest snapshot counts: it is the one the summary shows.
    @Test func onlyTheLatestSnapshotIsMarkedFromBeforeThePeriod() async throws {
        var overview = Self.overview(100001)
        overview.rollForward.closing = Self.snapshot(5, organization: 100001, day: -10, totals: [:])
        let latestBefore = try render([overview], unreconciled: [Self.unreconciled(5, organization: 100001, day: -10)])
        #expect(latestBefore.contains("Not reconciled with GetOrderAmount: 1 snapshot of 1 series"))
        let olderBefore = try render([Self.overview(100001)], unreconciled: [Self.unreconciled(4, organization: 100001, day: -10)])
        #expect(!olderBefore.contains("⚠"))
    }

    @Test func aLongSeriesOfUnreconciledSnapshotsIsCountedNotListedWhole() async throws {
        let many = (1...30).map { Self.unreconciled(Int64($0), organization: 100001, day: $0, status: .unavailable) }
        let html = try render([Self.overview(100001)], unreconciled: many)
        #expect(html.contains("30 GetOrderAmount unavailable"))
        #expect(html.contains("… and 10 older"))
        #expect(html.components(separatedBy: "no answer: RetCode 230").count - 1 == 20 * 2 + 1, "20 section rows of two readings, one summary row")
    }

    @Test func fiveHundredOrganizationsStayOnePageOfSummaryRowsEach() async throws {
        let html = try render((1...500).map { Self.overview(Int64(100_000 + $0)) })
        let summaryRows = html.components(separatedBy: "<h2>Organization").first!.components(separatedBy: "<tr><td><a href").count - 1
        #expect(summaryRows == 500 * 2, "one summary row per organization and currency")
        #expect(html.utf8.count < 40_000_000)
    }

    /// Headless Chromium (Debian's package) renders the page to a PNG without errors.
    @Test(.enabled(if: Chromium.path != nil, "chromium is not installed (scripts/install-system-deps.sh installs it)"))
    func aRealBrowserRendersThePage() throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "html-report-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let page = folder + "/report.html", picture = folder + "/report.png"
        try render([Self.overview(100001), Self.overview(100002)]).write(toFile: page, atomically: true, encoding: .utf8)
        if let keep = ProcessInfo.processInfo.environment["UNPAIDD_KEEP_REPORT_PNG"] {
            try? FileManager.default.removeItem(atPath: keep + ".html")
            try FileManager.default.copyItem(atPath: page, toPath: keep + ".html")
        }
        let result = try Chromium.screenshot(page: page, to: picture, folder: folder)
        #expect(result.status == 0, "chromium: \(result.errors)")
        let png = try Data(contentsOf: URL(filePath: picture))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        #expect(png.count > 20_000, "a page with tables and charts, not a blank one")
        if let keep = ProcessInfo.processInfo.environment["UNPAIDD_KEEP_REPORT_PNG"] {
            try? FileManager.default.removeItem(atPath: keep)
            try FileManager.default.copyItem(atPath: picture, toPath: keep)
        }
    }
}

enum Chromium {
    static let path: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    static func screenshot(page: String, to picture: String, folder: String) throws -> (status: Int32, errors: String) {
        let process = Process()
        process.executableURL = URL(filePath: path!)
        // A4 at 150 dpi is 1240 px wide; no sandbox (tests may run as root), its own profile folder.
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                             "--user-data-dir=\(folder)/profile", "--screenshot=\(picture)", "--window-size=1240,1754",
                             "file://\(page)"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }
}
