import Foundation
import Testing
@testable import UnpaidDaemon
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

    @Test func groupRunSendsOneMessagePerRun() throws {
        #expect(try parse("group = \"run\"\n").alerts.targets[0].grouping == .perRun)
        #expect(try parse("").alerts.targets[0].grouping == .perAlert)
        let wrong = try #require(problem("group = \"day\"\n"))
        #expect(wrong.key == "target[1].group")
        #expect(wrong.description.contains("\"run\"") && wrong.description.contains("day"))
    }
}
