import Foundation
import UnpaidCore

/// A job's `schedule`, `catch_up`, `catch_up_window` and `random_delay`, read together
/// because the last three mean nothing without the first.
struct JobTiming {
    var schedule: Schedule?
    var text: String?
    var catchUp: CatchUpPolicy = .latest
    var catchUpWindow: TimeInterval = 24 * 3600
    var randomDelay: TimeInterval = 0

    static func parse(_ table: inout TableReader) throws(ConfigurationError) -> JobTiming {
        var timing = JobTiming()
        if let text = try table.string("schedule") {
            do { timing.schedule = try Schedule(parsing: text) } catch { throw table.error("schedule", error.description) }
            timing.text = text
        }
        if let policy = try table.string("catch_up") {
            guard let parsed = CatchUpPolicy(rawValue: policy) else {
                let known = CatchUpPolicy.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
                throw table.error("catch_up", "expected one of \(known), found \"\(policy)\"")
            }
            timing.catchUp = parsed
        }
        if let window = try duration(&table, "catch_up_window") { timing.catchUpWindow = window }
        if let delay = try duration(&table, "random_delay", allowsZero: true) { timing.randomDelay = delay }
        if timing.schedule == nil,
           let orphan = ["catch_up", "catch_up_window", "random_delay"].first(where: { table.has($0) }) {
            throw table.error(orphan, "only applies to a job with a schedule: add schedule = \"…\" or remove this key")
        }
        return timing
    }

    /// `24h`, `90m`, `1h30m` (the schedule's duration spelling); `"0"` only where allowed.
    private static func duration(_ table: inout TableReader, _ key: String,
                                 allowsZero: Bool = false) throws(ConfigurationError) -> TimeInterval? {
        guard let text = try table.string(key) else { return nil }
        if allowsZero, text == "0" { return 0 }
        guard let seconds = Schedule.durationSeconds(text) else {
            throw table.error(key, "expected a duration such as 30s, 90m, 24h or 1h30m\(allowsZero ? " (or \"0\")" : ""), found \"\(text)\"")
        }
        return TimeInterval(seconds)
    }
}

extension DaemonSettings {
    static func parse(_ root: inout TableReader) throws(ConfigurationError) -> DaemonSettings {
        var settings = DaemonSettings()
        guard var table = try root.table("daemon") else { return settings }
        settings.maxConcurrentOrganizations = try table.int("max_concurrent_organizations", in: 1...256)
            ?? settings.maxConcurrentOrganizations
        settings.apiCallsPerSecond = try table.number("api_calls_per_second", in: 0.01...1_000, of: "calls per second")
            ?? settings.apiCallsPerSecond
        settings.shutdownGraceSeconds = try table.seconds("shutdown_grace_seconds", in: 1...3_600)
            ?? settings.shutdownGraceSeconds
        try table.rejectUnknownKeys()
        return settings
    }
}
