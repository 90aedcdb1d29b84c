import Foundation
import Testing
import UnpaidCore
@testable import UnpaidDaemon

/// The keys `unpaidd run` reads: each job's schedule and catch-up, and `[daemon]`.
@Suite struct DaemonConfigurationTests {
    func config(job extra: String = "", tail: String = "") throws(ConfigurationError) -> Configuration {
        try Configuration.parse("""
            [api]
            endpoint = "https://api.ucloud.cn"
            public_key = "pub"
            private_key_env = "KEY"

            [[job]]
            name = "first"
            organizations = [1]
            period = "previous-day"

            [[job]]
            name = "second"
            organizations = [2]
            period = "previous-day"
            timezone = "Asia/Shanghai"
            \(extra)
            \(tail)
            """, file: "daemon.toml")
    }

    func problem(job extra: String = "", tail: String = "") -> ConfigurationError? {
        do {
            _ = try config(job: extra, tail: tail)
            return nil
        } catch {
            return error
        }
    }

    @Test func scheduleAndCatchUpAreParsedWithDefaults() async throws {
        let parsed = try config(job: #"schedule = "30 6 * * *""#)
        #expect(parsed.jobs[0].schedule == nil && parsed.jobs[0].scheduledJob == nil)
        let job = parsed.jobs[1]
        #expect(job.schedule == (try Schedule(parsing: "30 6 * * *")))
        #expect(job.scheduleText == "30 6 * * *")
        #expect(job.catchUp == .latest)
        #expect(job.catchUpWindow == 86_400)
        #expect(job.randomDelay == 0)
        let scheduled = try #require(job.scheduledJob)
        #expect(scheduled.name == "second" && scheduled.timeZone.identifier == "Asia/Shanghai")
        #expect(parsed.daemon == DaemonSettings())
        #expect(parsed.daemon.maxConcurrentOrganizations == 4)
        #expect(parsed.daemon.apiCallsPerSecond == 5)
        #expect(parsed.daemon.shutdownGraceSeconds == 60)
    }

    @Test func explicitValuesReachTheScheduledJob() async throws {
        let job = try config(job: """
            schedule = "@every 6h"
            catch_up = "all"
            catch_up_window = "1h30m"
            random_delay = "5m"
            """).jobs[1]
        #expect(job.schedule == .every(seconds: 21_600))
        let scheduled = try #require(job.scheduledJob)
        #expect(scheduled.catchUp == .all)
        #expect(scheduled.catchUpWindow == 5_400)
        #expect(scheduled.randomDelayMax == 300)
        #expect(try config(job: #"schedule = "@daily""# + "\ncatch_up = \"none\"").jobs[1].catchUp == .none)
        #expect(try config(job: #"schedule = "@daily""# + "\nrandom_delay = \"0\"").jobs[1].randomDelay == 0)
    }

    @Test func aBadScheduleNamesTheJobAndTheCronField() async throws {
        let error = try #require(problem(job: #"schedule = "0 25 * * *""#))
        #expect(error.key == "job[2].schedule")
        #expect(error.problem.contains("hour field"), "\(error)")
        #expect(error.problem.contains("0-23"), "\(error)")
        #expect(problem(job: #"schedule = "@every 5x""#)?.key == "job[2].schedule")
        #expect(problem(job: "schedule = 5")?.problem.contains("expected a string") == true)
    }

    @Test func badCatchUpAndDurationsSayWhatIsExpected() async throws {
        let policy = try #require(problem(job: "schedule = \"@daily\"\ncatch_up = \"latests\""))
        #expect(policy.key == "job[2].catch_up")
        #expect(policy.problem.contains(#""latest", "all", "none""#), "\(policy)")
        #expect(policy.problem.contains(#"found "latests""#))
        let window = try #require(problem(job: "schedule = \"@daily\"\ncatch_up_window = \"24 hours\""))
        #expect(window.key == "job[2].catch_up_window")
        #expect(window.problem.contains("24h"))
        #expect(problem(job: "schedule = \"@daily\"\ncatch_up_window = \"0\"")?.key == "job[2].catch_up_window")
        #expect(problem(job: "schedule = \"@daily\"\nrandom_delay = \"-5m\"")?.key == "job[2].random_delay")
    }

    @Test func catchUpWithoutAScheduleIsAMistake() async throws {
        let error = try #require(problem(job: #"catch_up = "all""#))
        #expect(error.key == "job[2].catch_up")
        #expect(error.problem.contains("only applies to a job with a schedule"))
    }

    @Test func daemonTableIsReadAndChecked() async throws {
        let parsed = try config(tail: """
            [daemon]
            max_concurrent_organizations = 2
            api_calls_per_second = 0.5
            shutdown_grace_seconds = 10
            """)
        #expect(parsed.daemon.maxConcurrentOrganizations == 2)
        #expect(parsed.daemon.apiCallsPerSecond == 0.5)
        #expect(parsed.daemon.shutdownGraceSeconds == 10)
        let zero = try #require(problem(tail: "[daemon]\nmax_concurrent_organizations = 0"))
        #expect(zero.key == "daemon.max_concurrent_organizations")
        #expect(zero.problem.contains("from 1 to 256"))
        let rate = try #require(problem(tail: "[daemon]\napi_calls_per_second = \"fast\""))
        #expect(rate.description == "daemon.toml: daemon.api_calls_per_second: expected a number of calls per second, found string")
        #expect(problem(tail: "[daemon]\nshutdown_grace = 5")?.key == "daemon.shutdown_grace")
    }

    @Test func metricsListenIsOffByDefaultAndTakesHostAndPort() async throws {
        #expect(try config().metrics.listen == nil)
        let v4 = try config(tail: "[metrics]\nlisten = \"127.0.0.1:9464\"").metrics.listen
        #expect(v4 == MetricsSettings.ListenAddress(host: "127.0.0.1", port: 9464))
        let v6 = try config(tail: "[metrics]\nlisten = \"[::1]:9464\"").metrics.listen
        #expect(v6?.host == "::1")
        #expect(v6?.description == "[::1]:9464")
        for bad in ["9464", "localhost", "::1:9464", "127.0.0.1:99999", "[::1:9464", ":9464"] {
            let error = try #require(problem(tail: "[metrics]\nlisten = \"\(bad)\""), "\(bad) was accepted")
            #expect(error.key == "metrics.listen")
            #expect(error.problem.contains("expected HOST:PORT"))
        }
        #expect(problem(tail: "[metrics]\nport = 9464")?.key == "metrics.port")
    }

    @Test func theExampleFileSchedulesBothJobs() async throws {
        let root = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let example = try Configuration.parse(
            String(contentsOfFile: root + "/etc/unpaidd.example.toml", encoding: .utf8), file: "example",
            environment: ["UNPAIDD_FEISHU_URL": "https://open.feishu.cn/open-apis/bot/v2/hook/token",
                          "UNPAIDD_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])
        #expect(example.jobs.map(\.scheduleText) == ["0 7 1 * *", "30 6 * * *"])
        #expect(example.jobs[1].randomDelay == 300)
        #expect(example.daemon == DaemonSettings())
        #expect(example.metrics.listen?.description == "127.0.0.1:9464")
    }
}
