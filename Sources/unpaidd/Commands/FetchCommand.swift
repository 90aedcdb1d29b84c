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

    @OptionGroup var period: WindowOptions

    @Option(help: "Record under this job's name and use its filters (default: a job named \"fetch\" without filters).")
    var job: String?

    @Option(help: "Seconds to spend delivering the alerts the fetch produced (the rest waits in the outbox).")
    var deliveryTimeout: Int = 30

    func run() async throws {
        try await Runtime.with(config: config, log: log) { runtime in
            let settings = runtime.configuration
            var jobSettings = JobSettings(name: "fetch", organizations: [org], period: .previousDay,
                                          timeZone: settings.timeZone, schedule: nil, filters: QueryFilters())
            if let job {
                guard let configured = settings.job(named: job) else {
                    throw CommandError("--job: no job named \"\(job)\" in \(settings.file)")
                }
                jobSettings = configured
            }
            let window = try period.window(in: jobSettings.timeZone)
            let summary = try await runtime.runner.run(jobSettings, window: window, organizations: [org])
            print(RunSummaryText.render(summary, timeZone: jobSettings.timeZone))
            try await runtime.deliverAlerts(timeout: deliveryTimeout)
            if summary.status != .succeeded { throw ExitCode.failure }
        }
    }
}
