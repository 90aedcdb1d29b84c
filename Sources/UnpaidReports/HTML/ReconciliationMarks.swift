import Foundation
import Ledger
import UnpaidCore

/// The report's marks for snapshots whose export did not agree with `GetOrderAmount`
/// (mismatch, moved during the fetch, unavailable): a table in the summary with one row
/// per series, a flag on that series' summary rows, and a table in its section, each with
/// the status and the figures of both sources.
///
/// A series is marked for snapshots fetched in the period, and for its latest snapshot
/// whenever that was fetched: the summary shows the latest figures.
struct ReconciliationMarks {
    /// Rows of one section's table; older ones are counted, not listed.
    static let sectionRows = 20

    /// Newest first, per series.
    private let bySeries: [String: [UnreconciledSnapshot]]

    init(_ snapshots: [UnreconciledSnapshot], overviews: [SeriesOverview], since: Date) {
        let latest = Set(overviews.map(\.rollForward.closing.id))
        let kept = snapshots.filter { $0.fetchedAt >= since || latest.contains($0.snapshotID) }
        bySeries = Dictionary(grouping: kept.sorted { $0.snapshotID.rawValue > $1.snapshotID.rawValue }) {
            Self.key($0.organizationID, $0.job)
        }
    }

    func snapshots(of overview: SeriesOverview) -> [UnreconciledSnapshot] {
        bySeries[Self.key(overview.organizationID, overview.job)] ?? []
    }

    /// The summary's part: what is not reconciled, before the totals one would otherwise trust.
    func summary(_ overviews: [SeriesOverview], time: inout ReportTime, anchor: (SeriesOverview) -> String) -> String {
        let marked = overviews.filter { !snapshots(of: $0).isEmpty }
        guard !marked.isEmpty else {
            return "<p class=\"reconciled\">No snapshot in this period disagrees with GetOrderAmount "
                + "(snapshots recorded with reconcile = false are not checked).</p>\n"
        }
        let count = marked.reduce(0) { $0 + snapshots(of: $1).count }
        var html = "<div class=\"unreconciled\">\n<h3>⚠ Not reconciled with GetOrderAmount: \(count) "
            + "snapshot\(count == 1 ? "" : "s") of \(marked.count) series</h3>\n"
            + "<table class=\"summary\">\n<thead><tr><th>Organization</th><th>Job</th><th>Unreconciled</th>"
            + "<th>Latest of them</th><th>Status</th><th class=\"number\">Export</th>"
            + "<th class=\"number\">GetOrderAmount</th></tr></thead>\n<tbody>\n"
        for overview in marked {
            let listed = snapshots(of: overview)
            let latest = listed[0]
            html += "<tr class=\"unreconciled\"><td><a href=\"#\(anchor(overview))\">\(overview.organizationID)</a></td>"
                + "<td>\(HTMLText.escaped(overview.job))</td><td>\(HTMLText.escaped(Self.countsByStatus(listed)))</td>"
                + "<td>\(time.string(latest.fetchedAt))</td>"
                + "<td>\(HTMLText.escaped(Self.statusWords(latest.reconciliation.status)))</td>"
                + "<td class=\"number\">\(HTMLText.escaped(Self.export(latest.reconciliation)))</td>"
                + "<td class=\"number\">\(HTMLText.escaped(Self.secondSource(latest.reconciliation)))</td></tr>\n"
        }
        return html + "</tbody>\n</table>\n</div>\n"
    }

    /// The flag on a series' summary rows; empty when nothing is marked.
    func flag(_ overview: SeriesOverview) -> String {
        let listed = snapshots(of: overview)
        guard !listed.isEmpty else { return "" }
        return " <span class=\"flag\" title=\"\(HTMLText.escaped(Self.countsByStatus(listed)))\">⚠ not reconciled</span>"
    }

    /// One series' table, at the top of its section.
    func section(_ overview: SeriesOverview, time: inout ReportTime) -> String {
        let listed = snapshots(of: overview)
        guard !listed.isEmpty else { return "" }
        var html = "<div class=\"unreconciled\">\n<h3>⚠ Not reconciled with GetOrderAmount: "
            + "\(HTMLText.escaped(Self.countsByStatus(listed)))</h3>\n"
            + "<table>\n<thead><tr><th>Snapshot</th><th>Fetched</th><th>Status</th><th class=\"number\">Export</th>"
            + "<th class=\"number\">GetOrderAmount before</th><th class=\"number\">after</th><th>Why</th></tr></thead>\n<tbody>\n"
        for snapshot in listed.prefix(Self.sectionRows) {
            let outcome = snapshot.reconciliation
            html += "<tr class=\"unreconciled\"><td>\(snapshot.snapshotID.rawValue)</td><td>\(time.string(snapshot.fetchedAt))</td>"
                + "<td>\(HTMLText.escaped(Self.statusWords(outcome.status)))</td>"
                + "<td class=\"number\">\(HTMLText.escaped(Self.export(outcome)))</td>"
                + "<td class=\"number\">\(HTMLText.escaped(Self.reading(outcome.before)))</td>"
                + "<td class=\"number\">\(HTMLText.escaped(Self.reading(outcome.after)))</td>"
                + "<td>\(HTMLText.escaped(outcome.reason ?? ""))</td></tr>\n"
        }
        if listed.count > Self.sectionRows {
            html += "<tr><td colspan=\"7\">… and \(listed.count - Self.sectionRows) older "
                + "(<code>unpaidd history</code> lists every snapshot with its status)</td></tr>\n"
        }
        return html + "</tbody>\n</table>\n</div>\n"
    }

    static func statusWords(_ status: ReconciliationStatus) -> String {
        switch status {
        case .mismatch: "mismatch"
        case .movedDuringFetch: "moved during the fetch"
        case .unavailable: "GetOrderAmount unavailable"
        case .reconciled: "reconciled"
        case .notComparable: "not comparable"
        }
    }

    private static func countsByStatus(_ snapshots: [UnreconciledSnapshot]) -> String {
        let counts = Dictionary(grouping: snapshots, by: \.reconciliation.status).mapValues(\.count)
        return ReconciliationStatus.allCases.compactMap { status in
            counts[status].map { "\($0) \(statusWords(status))" }
        }.joined(separator: ", ")
    }

    private static func export(_ outcome: Reconciliation) -> String {
        "\(outcome.exportCount) orders, " + (outcome.exportAmount?.description ?? "several currencies")
    }

    /// Both calls' answers, once when they agree.
    private static func secondSource(_ outcome: Reconciliation) -> String {
        let before = reading(outcome.before), after = reading(outcome.after)
        return before == after ? before : "\(before) → \(after)"
    }

    private static func reading(_ reading: AmountReading) -> String {
        switch reading {
        case .answered(let answer): "\(answer.count) orders, \(answer.amount)"
        case .unavailable(let failure): "no answer" + (failure.reason.isEmpty ? "" : ": \(failure.reason)")
        }
    }

    private static func key(_ organizationID: Int64, _ job: String) -> String { "\(organizationID) \(job)" }
}
