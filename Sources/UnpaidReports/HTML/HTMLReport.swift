import Foundation
import Ledger
import UnpaidCore

/// `unpaidd report`: one self-contained HTML page (no script, no external asset) that
/// prints on A4. A summary table of every organization comes first, so that 500 of them
/// stay readable; the details follow, per organization and currency: unpaid totals over
/// time, the current aging, the period's roll-forward and the largest unpaid orders.
/// Snapshots that did not agree with `GetOrderAmount` are marked in both.
///
/// ```swift
/// let output = try ReportOutput.file(atomicallyAt: "report.html")
/// try HTMLReport(timeZone: zone, buckets: .standard, since: since, asOf: now)
///     .write(overviews, unreconciled: try await ledger.unreconciledSnapshots(since: since), to: output)
/// try output.commit()
/// ```
public struct HTMLReport {
    public var title = "Unpaid orders"
    private var time: ReportTime
    private let buckets: AgingBuckets
    private let since: Date
    private let asOf: Date
    private var marks = ReconciliationMarks([], overviews: [], since: .distantPast)

    public init(timeZone: TimeZone, buckets: AgingBuckets, since: Date, asOf: Date) {
        time = ReportTime(timeZone: timeZone)
        self.buckets = buckets
        self.since = since
        self.asOf = asOf
    }

    /// `unreconciled`: the series' snapshots that did not agree with `GetOrderAmount`, at
    /// least those fetched since the period's start and each series' latest one.
    public mutating func write(_ overviews: [SeriesOverview], unreconciled: [UnreconciledSnapshot] = [],
                               to output: ReportOutput) throws(ReportError) {
        marks = ReconciliationMarks(unreconciled, overviews: overviews, since: since)
        try output.write(head())
        try output.write(summary(overviews))
        for overview in overviews { try output.write(details(overview)) }
        try output.write("</main>\n</body>\n</html>\n")
        try output.flush()
    }

    private mutating func head() -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(HTMLText.escaped(title))</title>
        <style>
        @page { size: A4; margin: 14mm 12mm; }
        body { font: 10.5pt/1.35 system-ui, -apple-system, "Segoe UI", "Noto Sans", sans-serif; color: #1a1a1a; margin: 0 auto; max-width: 190mm; padding: 8mm 4mm; }
        h1 { font-size: 17pt; margin: 0 0 2mm; }
        h2 { font-size: 13pt; margin: 8mm 0 2mm; border-bottom: 1px solid #999; padding-bottom: 1mm; }
        h3 { font-size: 11pt; margin: 4mm 0 1mm; }
        p.meta { color: #555; margin: 0 0 4mm; }
        table { border-collapse: collapse; width: 100%; margin: 1mm 0 3mm; font-variant-numeric: tabular-nums; }
        th, td { text-align: left; padding: 0.6mm 1.5mm; border-bottom: 0.5px solid #ccc; vertical-align: top; }
        th { background: #f0f0f0; font-weight: 600; }
        td.number, th.number { text-align: right; white-space: nowrap; }
        tr.total td { font-weight: 600; border-top: 1px solid #666; }
        table.summary { font-size: 9pt; }
        table.summary td { white-space: nowrap; }
        thead { display: table-header-group; }
        tr, .currency { break-inside: avoid; page-break-inside: avoid; }
        section.series { break-before: auto; }
        .chart { width: 100%; max-width: 140mm; height: auto; display: block; margin: 1mm 0 2mm; }
        .chart .axis { stroke: #888; stroke-width: 0.6; }
        .chart .series { fill: none; stroke: #1f5fa8; stroke-width: 1.6; }
        .chart .series-point { fill: #1f5fa8; }
        .chart .bar { fill: #d9822b; }
        .chart .label { font-size: 10px; fill: #333; }
        .chart .end { text-anchor: end; }
        div.unreconciled { border-left: 3px solid #b00020; padding-left: 2mm; margin: 2mm 0 4mm; }
        div.unreconciled h3 { color: #b00020; }
        tr.unreconciled td { background: #fdecea; }
        .flag { color: #b00020; font-weight: 600; }
        a { color: inherit; }
        @media print { a { text-decoration: none; } }
        </style>
        </head>
        <body>
        <main>
        <h1>\(HTMLText.escaped(title))</h1>
        <p class="meta">As of \(time.string(asOf)); period from \(time.string(since)). Amounts are exact, per currency, never converted.</p>

        """
    }

    private mutating func summary(_ overviews: [SeriesOverview]) -> String {
        var html = "<h2>Summary</h2>\n" + marks.summary(overviews, time: &time, anchor: anchor)
        html += """
            <table class="summary">
            <thead><tr><th>Organization</th><th>Job</th><th>Currency</th><th>Latest snapshot</th>\
            <th class="number">Orders</th><th class="number">Unpaid</th><th class="number">Change in period</th>\
            <th class="number">Over \(buckets.limits.last!) days</th></tr></thead>
            <tbody>

            """
        if overviews.isEmpty { html += "<tr><td colspan=\"8\">No snapshot in the ledger for this selection.</td></tr>\n" }
        for overview in overviews {
            let closing = overview.rollForward.closing
            for line in overview.rollForward.lines where line.closing.count > 0 || line.opening.count > 0 {
                let oldest = overview.aging.first { $0.currency == line.currency }?.buckets.last?.sum ?? .zero
                let flag = marks.flag(overview)
                html += "<tr\(flag.isEmpty ? "" : " class=\"unreconciled\"")>"
                    + "<td><a href=\"#\(anchor(overview))\">\(overview.organizationID)</a>\(flag)</td>"
                    + "<td>\(HTMLText.escaped(overview.job))</td><td>\(HTMLText.escaped(line.currency))</td>"
                    + "<td>\(time.string(closing.fetchedAt))</td>"
                    + "<td class=\"number\">\(line.closing.count)</td>"
                    + "<td class=\"number\">\(HTMLText.escaped(line.closing.sum.description))</td>"
                    + "<td class=\"number\">\(signed(line.closing.sum - line.opening.sum))</td>"
                    + "<td class=\"number\">\(HTMLText.escaped(oldest.description))</td></tr>\n"
            }
        }
        return html + "</tbody>\n</table>\n"
    }

    private mutating func details(_ overview: SeriesOverview) -> String {
        var html = "<section class=\"series\" id=\"\(anchor(overview))\">\n"
            + "<h2>Organization \(overview.organizationID) · job \(HTMLText.escaped(overview.job))</h2>\n"
            + marks.section(overview, time: &time)
        for line in overview.rollForward.lines {
            let currency = line.currency
            html += "<div class=\"currency\">\n<h3>\(HTMLText.escaped(currency))</h3>\n"
            // One point per snapshot: a snapshot without this currency owed nothing in it.
            var points: [(label: String, total: Money)] = []
            var last: SnapshotID?
            for entry in overview.history {
                let total = entry.currency == currency ? entry.total : .zero
                if entry.snapshotID == last {
                    if entry.currency == currency { points[points.count - 1].total = total }
                } else {
                    points.append((time.day(entry.fetchedAt), total))
                    last = entry.snapshotID
                }
            }
            html += "<p>Unpaid total at each snapshot</p>\n" + SVGCharts.totals(points, currency: currency) + "\n"
            if let aging = overview.aging.first(where: { $0.currency == currency }) {
                var bars = zip(buckets.labels, aging.buckets).map { (label: "\($0.0) days", amount: $0.1.sum) }
                bars.append((label: "not yet started", amount: aging.notYetStarted.sum))
                bars.append((label: "no start time", amount: aging.noStartTime.sum))
                html += "<p>Aging by billing start, as of the latest snapshot</p>\n" + SVGCharts.bars(bars, currency: currency) + "\n"
            }
            html += rollForwardTable(line, overview.rollForward)
            html += largestTable(overview.largestOrders[currency] ?? [])
            html += "</div>\n"
        }
        return html + "</section>\n"
    }

    private mutating func rollForwardTable(_ line: RollForwardLine, _ rollForward: RollForward) -> String {
        let opening = rollForward.opening.map { "opening (\(time.string($0.fetchedAt)))" } ?? "opening (no snapshot yet)"
        let closing = "closing (\(time.string(rollForward.closing.fetchedAt)))"
        func row(_ name: String, _ total: Total, _ amount: Money, total isTotal: Bool = false) -> String {
            "<tr\(isTotal ? " class=\"total\"" : "")><td>\(HTMLText.escaped(name))</td><td class=\"number\">\(total.count)</td>"
                + "<td class=\"number\">\(HTMLText.escaped(amount.description))</td></tr>\n"
        }
        return "<table>\n<thead><tr><th>Roll-forward</th><th class=\"number\">Orders</th><th class=\"number\">Amount</th></tr></thead>\n<tbody>\n"
            + row(opening, line.opening, line.opening.sum) + row("+ new", line.new, line.new.sum)
            + row("− gone (paid or revoked)", line.gone, -line.gone.sum)
            + row("± amount changes", line.amountChanges, line.amountChanges.sum)
            + row(closing, line.closing, line.closing.sum, total: true) + "</tbody>\n</table>\n"
    }

    private mutating func largestTable(_ orders: [UnpaidOrder]) -> String {
        guard !orders.isEmpty else { return "" }
        var html = "<table>\n<thead><tr><th>Largest unpaid orders</th><th>Product</th><th>Billing start</th>"
            + "<th class=\"number\">Amount</th></tr></thead>\n<tbody>\n"
        for order in orders {
            html += "<tr><td>\(HTMLText.escaped(order.orderNo))</td><td>\(HTMLText.escaped(order.productCode ?? ""))</td>"
                + "<td>\(order.startTime.map { time.string(seconds: $0) } ?? "")</td>"
                + "<td class=\"number\">\(HTMLText.escaped(order.totalPrice.description))</td></tr>\n"
        }
        return html + "</tbody>\n</table>\n"
    }

    private func anchor(_ overview: SeriesOverview) -> String {
        "org-\(overview.organizationID)-" + overview.job.unicodeScalars.map {
            CharacterSet.alphanumerics.contains($0) ? String($0) : "-"
        }.joined()
    }

    private func signed(_ money: Money) -> String {
        HTMLText.escaped(money.isNegative || money.isZero ? money.description : "+" + money.description)
    }
}
