import Testing
import UnpaidCore
@testable import UnpaidDaemon

@Suite struct ReconciliationConfigurationTests {
    let job = """
        [api]
        endpoint = "https://api.ucloud.cn"
        public_key = "pub"
        private_key_env = "KEY"

        [[job]]
        name = "j"
        organizations = [1]
        period = "previous-day"
        """
    let target = "\n[[target]]\nname = \"t\"\nformat = \"slack\"\nurl = \"https://hooks.slack.com/services/X\"\n"

    @Test func reconcileIsOnUnlessAJobTurnsItOff() async throws {
        #expect(try Configuration.parse(job, file: "t.toml").jobs[0].reconcile)
        #expect(try !Configuration.parse(job + "\nreconcile = false\n", file: "t.toml").jobs[0].reconcile)
        #expect(throws: ConfigurationError.self) { try Configuration.parse(job + "\nreconcile = \"no\"\n", file: "t.toml") }
    }

    @Test func aMismatchRuleLoadsAndItsMistakesNameTheKey() async throws {
        let rule = "\n[[alert]]\nname = \"m\"\non = \"mismatch\"\ntargets = [\"t\"]\n"
        let config = try Configuration.parse(job + target + rule, file: "t.toml")
        #expect(config.alerts.rules.first?.condition == .reconciliationMismatch)
        let withDelta = rule.replacingOccurrences(of: "targets", with: "min_delta = \"5\"\ntargets")
        #expect(throws: ConfigurationError.self) { try Configuration.parse(job + target + withDelta, file: "t.toml") }
        let withCurrencies = rule.replacingOccurrences(of: "targets", with: "currencies = [\"CNY\"]\ntargets")
        do {
            _ = try Configuration.parse(job + target + withCurrencies, file: "t.toml")
            Issue.record("currencies on a mismatch rule were accepted")
        } catch {
            #expect(error.description.contains("currencies"))
        }
    }
}
