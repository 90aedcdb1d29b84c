import ArgumentParser
import Foundation
import Ledger
import UnpaidCore
import UnpaidDaemon

struct FetchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Fetch and record one organization's export for an explicit window [start, end).")

    @OptionGroup var config: ConfigOption
    @OptionGroup var log: LogOptions

    @Option(help: "Organization id.")
    var org: Int64

    @Option(help: "Window start: YYYY-MM-DD[THH:MM[:SS]] in the configured time zone, or Unix seconds.")
    var start: String

    @Option(help: "Window end (exclusive), same forms as --start.")
    var end: String

    @Option(help: "Record under this job's name and use its filters (default: a job named \"fetch\" without filters).")
    var job: String?

    func run() async throws {
        let runtime = try Runtime(config: config, log: log)
        let settings = runtime.configuration
        var jobSettings = JobSettings(name: "fetch", organizations: [org], period: .previousDay,
                                      timeZone: settings.timeZone, schedule: nil, filters: QueryFilters())
        if let job {
            guard let configured = settings.job(named: job) else {
                throw CommandError("--job: no job named \"\(job)\" in \(settings.file)")
            }
            jobSettings = configured
        }
        let window = try BillingWindow(
            start: try CommandLineDate.parse(start, in: jobSettings.timeZone, option: "--start"),
            end: try CommandLineDate.parse(end, in: jobSettings.timeZone, option: "--end"))
        let summary = try await runtime.runner.run(jobSettings, window: window, organizations: [org])
        print(RunSummaryText.render(summary, timeZone: jobSettings.timeZone))
        if summary.status != .succeeded { throw ExitCode.failure }
    }
}
