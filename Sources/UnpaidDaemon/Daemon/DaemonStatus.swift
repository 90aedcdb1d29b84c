import Foundation
import Ledger
import Synchronization

/// The one-line state systemd shows in `systemctl status` (`STATUS=`): the last result
/// and the next fire. Built from values only, so it can be checked without systemd.
public final class DaemonStatus: Sendable {
    private struct State {
        var jobs: [JobSettings]
        var lastRun: String?
        var note: String?
    }

    private let state: Mutex<State>

    public init(jobs: [JobSettings]) {
        state = Mutex(State(jobs: jobs))
    }

    public func jobsReplaced(_ jobs: [JobSettings]) {
        state.withLock {
            $0.jobs = jobs
            $0.note = nil
        }
    }

    public func runFinished(_ summary: RunSummary, at instant: Date) {
        let zone = state.withLock { state in state.jobs.first { $0.name == summary.job }?.timeZone } ?? .gmt
        let failures = summary.failures.isEmpty ? "" : ", \(summary.failures.count) organization(s) failed"
        let text = "\(summary.job) \(summary.window.label(in: zone)) \(summary.status.rawValue)\(failures) at "
            + FirePreview.localTime(instant, in: zone)
        state.withLock { $0.lastRun = text }
    }

    /// A sticky remark (such as a failed reload) shown until the next successful reload.
    public func note(_ text: String?) {
        state.withLock { $0.note = text }
    }

    public func line(now: Date) -> String {
        let (jobs, lastRun, note) = state.withLock { ($0.jobs, $0.lastRun, $0.note) }
        var parts: [String] = []
        if let note { parts.append(note) }
        parts.append("last: \(lastRun ?? "none yet")")
        if let next = FirePreview.earliest(of: jobs, after: now) {
            parts.append("next: \(next.job) at \(next.localTime) for \(next.periodLabel)")
        } else {
            parts.append("next: none")
        }
        return parts.joined(separator: "; ")
    }
}
