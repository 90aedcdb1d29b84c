import Foundation
import Testing
@testable import UnpaidDaemon
import UnpaidCore
import Webhooks

/// `[[target]]` keys that shape delivery: `group`, and quiet hours.
@Suite struct TargetDeliveryConfigurationTests {
    let minimal = """
    [api]
    endpoint = "https://api.ucloud.cn"
    public_key = "pub"
    private_key_env = "KEY"

    [[job]]
    name = "j"
    organizations = [1]
    period = "previous-day"

    [[target]]
    name = "ops"
    format = "wecom"
    url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K"

    """

    func parse(_ extra: String) throws(ConfigurationError) -> Configuration {
        try Configuration.parse(minimal + extra, file: "test.toml")
    }

    func problem(_ extra: String) -> ConfigurationError? {
        do {
            _ = try parse(extra)
            return nil
        } catch {
            return error
        }
    }

    @Test func groupRunSendsOneMessagePerRun() async throws {
        #expect(try parse("group = \"run\"\n").alerts.targets[0].grouping == .perRun)
        #expect(try parse("").alerts.targets[0].grouping == .perAlert)
        let wrong = try #require(problem("group = \"day\"\n"))
        #expect(wrong.key == "target[1].group")
        #expect(wrong.description.contains("\"run\"") && wrong.description.contains("day"))
    }

    @Test func quietHoursTakeTheConfigurationsZoneUnlessTheyNameOne() async throws {
        let own = try parse("quiet_hours = \"22:00-08:00\"\nquiet_days = [\"sat\", \"sun\"]\nquiet_time_zone = \"Asia/Shanghai\"\n")
        let quiet = try #require(own.alerts.targets[0].quietHours)
        #expect(quiet.timeZone.identifier == "Asia/Shanghai" && quiet.days == [0, 6])
        #expect(quiet.window?.start == 22 * 60 && quiet.window?.end == 8 * 60)
        let zoned = try Configuration.parse("timezone = \"Europe/Berlin\"\n" + minimal + "quiet_hours = \"22:00-08:00\"\n",
                                            file: "test.toml")
        #expect(zoned.alerts.targets[0].quietHours?.timeZone.identifier == "Europe/Berlin")
        #expect(try parse("quiet_days = [\"sun\"]\n").alerts.targets[0].quietHours?.timeZone == TimeZone(identifier: "UTC"))
        #expect(try parse("").alerts.targets[0].quietHours == nil)
    }

    @Test func quietHoursMistakesNameTheKeyAndTheTarget() async throws {
        let cases = [
            ("quiet_hours = \"22-08\"\n", "target[1].quiet_hours"),
            ("quiet_days = [\"weekend\"]\n", "target[1].quiet_days"),
            ("quiet_hours = \"22:00-08:00\"\nquiet_time_zone = \"Mars/Olympus\"\n", "target[1].quiet_time_zone"),
            ("quiet_time_zone = \"UTC\"\n", "target[1].quiet_time_zone"),
        ]
        for (text, key) in cases {
            let error = try #require(problem(text), "\(text)")
            #expect(error.key == key)
            #expect(error.description.contains("target \"ops\""), "\(error)")
        }
    }

    @Test func criticalIsARuleKey() async throws {
        let rule = "\n[[alert]]\nname = \"a\"\non = \"increase\"\ntargets = [\"ops\"]\n"
        #expect(try parse(rule + "critical = true\n").alerts.rules[0].critical)
        #expect(try parse(rule).alerts.rules[0].critical == false)
    }

    /// A SIGHUP reload says what changed in a target's quiet hours, not only "changed".
    @Test func theReloadLogNamesQuietHoursChanges() async throws {
        let before = try parse("")
        let after = try parse("quiet_hours = \"22:00-08:00\"\nquiet_time_zone = \"Asia/Shanghai\"\n")
        #expect(ConfigurationChanges.between(before, after)
            == ["target ops: quiet hours none -> 22:00-08:00 (Asia/Shanghai)"])
        let grouped = try parse("quiet_hours = \"22:00-08:00\"\nquiet_time_zone = \"Asia/Shanghai\"\ngroup = \"run\"\n")
        #expect(ConfigurationChanges.between(after, grouped) == ["target ops: group alert -> run"])
    }

    @Test func theExampleConfigurationShowsDigestsQuietHoursAndCritical() async throws {
        let root = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let config = try Configuration.parse(
            String(contentsOfFile: root + "/etc/unpaidd.example.toml", encoding: .utf8), file: "example",
            environment: ["UNPAIDD_FEISHU_URL": "https://open.feishu.cn/open-apis/bot/v2/hook/token",
                          "UNPAIDD_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])
        let chat = try #require(config.alerts.targets.first { $0.name == "finance-chat" })
        #expect(chat.grouping == .perRun)
        #expect(chat.quietHours?.description == "22:00-08:00, sat, sun (Asia/Shanghai)")
        #expect(config.alerts.rules.first { $0.name == "export-failing" }?.critical == true)
    }
}
