import ArgumentParser
import Foundation
import Ledger
import UnpaidDaemon

struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "Every recorded run, oldest first: job, when it started and finished, its status and errors.")

    @OptionGroup var config: ConfigOption

    @Option(help: "Only this job.")
    var job: String?

    @Option(help: "Only runs with this status: running, succeeded, partial, failed or interrupted.")
    var status: RunStatus?

    @Option(help: "Only runs started at or after this date (YYYY-MM-DD[THH:MM[:SS]] or Unix seconds).")
    var since: String?

    @Option(help: "Only the most recent N runs.")
    var limit: Int?

    @OptionGroup var presentation: TableFormatOption

    func run() async throws {
        let settings = try config.loadWithoutSecrets()
        try await settings.withLedger(.readOnly) { ledger in
            let sinceDate = try CommandLineDate.date(since, in: settings.timeZone, option: "--since")
            let runs = try await ledger.runs(job: job, status: status, since: sinceDate, limit: limit)
            print(RunsReport.make(runs.reversed(), timeZone: settings.timeZone).render(presentation.format), terminator: "")
        }
    }
}

enum RunsReport {
    static func make(_ runs: [RunRecord], timeZone: TimeZone) -> TabularReport {
        var report = TabularReport(columns: ["run", "job", "started_at", "finished_at", "status", "error"])
        for run in runs {
            report.append([
                .integer(run.id.rawValue), .text(run.job), .text(time(run.startedAt, in: timeZone)),
                run.finishedAt.map { .text(time($0, in: timeZone)) } ?? .missing,
                .text(run.status.rawValue), run.error.map { .text($0) } ?? .missing,
            ])
        }
        return report
    }

    /// ISO 8601 in the configured zone, which is what finance reads dates in.
    static func time(_ date: Date, in timeZone: TimeZone) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: timeZone).year().month().day()
            .time(includingFractionalSeconds: false).timeZone(separator: .colon))
    }
}

extension RunStatus: ExpressibleByArgument {}
