import ArgumentParser
import Foundation
import UnpaidDaemon

/// Like `systemd-analyze calendar --iterations`: when each job fires next, and which
/// period each fire would fetch.
struct ScheduleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Print the next fire times of each scheduled job, in its time zone, with the period each would fetch.")

    @OptionGroup var options: ConfigOption

    @Option(help: "Only this job.")
    var job: String?

    @Option(help: "How many fire times per job.")
    var next = 5

    @Option(help: "Start from this instant instead of now: YYYY-MM-DD[THH:MM[:SS]] in the configured zone, or Unix seconds.")
    var from: String?

    func validate() throws {
        guard (1...1_000).contains(next) else { throw ValidationError("--next: expected 1 to 1000, found \(next)") }
    }

    func run() throws {
        let config = try options.loadWithoutSecrets()
        var jobs = config.jobs
        if let job {
            guard let selected = config.job(named: job) else {
                throw CommandError("--job: no job named \"\(job)\" in \(config.file)")
            }
            jobs = [selected]
        }
        let start = try CommandLineDate.date(from, in: config.timeZone, option: "--from") ?? Date()
        var blocks: [String] = []
        for job in jobs {
            guard let text = job.scheduleText else {
                blocks.append("job \(job.name): no schedule (runs only with run --once)")
                continue
            }
            var lines = ["job \(job.name): \"\(text)\" in \(job.timeZone.identifier), period \(job.period), catch_up \(job.catchUp.rawValue)"]
            let previews = FirePreview.next(next, of: job, after: start)
            for (index, preview) in previews.enumerated() {
                let label = index == 0 ? "Next elapse" : "Iteration #\(index + 1)"
                lines.append("  \(label.padding(toLength: 13, withPad: " ", startingAt: 0)) \(preview.localTime)  fetches \(preview.periodLabel)")
            }
            if previews.isEmpty { lines.append("  never fires") }
            blocks.append(lines.joined(separator: "\n"))
        }
        print(blocks.joined(separator: "\n\n"))
    }
}
