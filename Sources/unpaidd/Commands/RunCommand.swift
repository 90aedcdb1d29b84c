import ArgumentParser
import Foundation
import UnpaidDaemon

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the jobs on their schedules until stopped (SIGTERM), or every job once (--once).")

    @OptionGroup var config: ConfigOption
    @OptionGroup var log: LogOptions

    @Flag(help: "Run every job once, now, then exit (non-zero if any organization failed).")
    var once = false

    @Option(help: "Only this job.")
    var job: String?

    @Option(help: ArgumentHelp(
        "With --once: run as if scheduled at this past time, so each job fetches the window it would have then (replays a missed day).",
        valueName: "YYYY-MM-DD[THH:MM[:SS]] | unix-seconds"))
    var at: String?

    @Option(help: "After --once runs, seconds to spend delivering the alerts they produced (the rest waits in the outbox).")
    var deliveryTimeout: Int = 30

    func validate() throws {
        if at != nil, !once {
            throw ValidationError("--at replays one past schedule time and needs --once; the daemon catches up missed fires by itself (catch_up)")
        }
    }

    func run() async throws {
        guard once else { return try await DaemonMode.run(config: config, log: log, job: job) }
        try await Runtime.with(config: config, log: log) { runtime in
            let now = Date()
            let scheduledAt = try at.map { try Self.pastInstant($0, timeZone: runtime.configuration.timeZone, now: now) } ?? now
            var jobs = runtime.configuration.jobs
            if let job {
                guard let selected = runtime.configuration.job(named: job) else {
                    throw CommandError("--job: no job named \"\(job)\" in \(runtime.configuration.file)")
                }
                jobs = [selected]
            }
            var failed = false
            for job in jobs {
                let summary = try await runtime.runner.run(job, scheduledAt: scheduledAt)
                print(RunSummaryText.render(summary, timeZone: job.timeZone))
                failed = failed || summary.status != .succeeded
            }
            try await runtime.deliverAlerts(timeout: deliveryTimeout)
            if failed { throw ExitCode.failure }
        }
    }
}

extension RunCommand {
    /// `--at`: a moment that has passed, in the configured zone (dates as `fetch` takes them).
    static func pastInstant(_ text: String, timeZone: TimeZone, now: Date) throws -> Date {
        let seconds = try CommandLineDate.parse(text, in: timeZone, option: "--at")
        let instant = Date(timeIntervalSince1970: TimeInterval(seconds))
        guard instant <= now else {
            throw CommandError("--at: \(text) is in the future; --at replays a schedule time that has passed (use run --once without --at for now)")
        }
        return instant
    }
}

enum RunSummaryText {
    static func render(_ summary: RunSummary, timeZone: TimeZone) -> String {
        var lines = ["job \(summary.job), \(summary.window.label(in: timeZone)), run \(summary.runID.rawValue): \(summary.status.rawValue)"]
        for snapshot in summary.snapshots {
            let totals = snapshot.totals.keys.sorted().map { currency in
                let total = snapshot.totals[currency]!
                return "\(total.sum) \(currency) (\(total.count) orders)"
            }
            let check = snapshot.reconciliation.map { "; GetOrderAmount: \($0.status.rawValue)" } ?? ""
            lines.append("  organization \(snapshot.organizationID): \(totals.isEmpty ? "no unpaid orders" : totals.joined(separator: ", "))\(check)")
        }
        for failure in summary.failures { lines.append("  \(failure)") }
        return SecretRedactor.shared.redact(lines.joined(separator: "\n"))
    }
}
