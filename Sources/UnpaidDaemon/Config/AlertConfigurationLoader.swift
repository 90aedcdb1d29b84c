import Foundation
import UnpaidCore
import Webhooks

/// What `[[alert]]`, `[[target]]` and `[delivery]` say: who hears about which change.
public struct AlertSettings: Sendable {
    public var rules: [AlertRule] = []
    public var targets: [WebhookTarget] = []
    /// A notification still undelivered after this long is marked dead and reported.
    public var maxDeliveryAgeSeconds: Double = 3 * 86_400
}

extension AlertSettings {
    /// `timeZone` is the configuration's, the default for targets' quiet hours.
    static func parse(_ root: inout TableReader, jobs: [JobSettings], environment: [String: String],
                      secretsRequired: Bool, timeZone: TimeZone) throws(ConfigurationError) -> AlertSettings {
        var settings = AlertSettings()
        for var table in try root.tables("target") {
            settings.targets.append(try parseTarget(&table, environment: environment, secretsRequired: secretsRequired,
                                                    timeZone: timeZone))
        }
        let names = settings.targets.map(\.name)
        if let duplicate = names.first(where: { name in names.filter { $0 == name }.count > 1 }) {
            throw root.error("target", "two [[target]] tables are named \"\(duplicate)\"")
        }
        for var table in try root.tables("alert") {
            let rule = try parseRule(&table)
            do { try rule.validate(knownTargets: Set(names)) } catch { throw table.error(nil, error.description) }
            if let unknown = rule.jobs.first(where: { job in !jobs.contains { $0.name == job } }) {
                throw table.error("jobs", "no [[job]] is named \"\(unknown)\"")
            }
            settings.rules.append(rule)
        }
        if var delivery = try root.table("delivery") {
            settings.maxDeliveryAgeSeconds = try delivery.seconds("max_age_seconds", in: 60...(30 * 86_400))
                ?? settings.maxDeliveryAgeSeconds
            try delivery.rejectUnknownKeys()
        }
        return settings
    }

    private static func parseRule(_ table: inout TableReader) throws(ConfigurationError) -> AlertRule {
        let name = try table.requiredString("name")
        let on = try table.string("on"), minDelta = try table.string("min_delta")
        let minDeltaRatio = try table.seconds("min_delta_ratio", in: 0...1_000_000)
        let above = try table.string("above"), resolveBelow = try table.string("resolve_below")
        let olderThan = try table.int("unpaid_older_than", in: 1...3_660)
        var after: Int64?
        if let text = try table.string("after") {
            guard let seconds = Schedule.durationSeconds(text) else {
                throw table.error("after", "expected a duration such as 26h, 90m or 1h30m, found \"\(text)\"")
            }
            after = seconds
        }
        let afterFailures = try table.int("after_failures", in: 1...1_000)
        let condition: AlertCondition
        do {
            condition = try AlertCondition(rule: name, on: on, minDelta: minDelta, minDeltaRatio: minDeltaRatio,
                                           above: above, resolveBelow: resolveBelow, unpaidOlderThanDays: olderThan,
                                           after: after, afterFailures: afterFailures)
        } catch {
            throw table.error(error.field, error.problem)
        }
        let repeatSeconds = try table.seconds("repeat_interval", in: 60...(90 * 86_400))
        guard let targets = try table.strings("targets"), !targets.isEmpty else {
            throw table.error("targets", "is required: the names of the [[target]]s to notify")
        }
        let rule = AlertRule(
            name: name, jobs: try table.strings("jobs") ?? [],
            organizations: (try table.ints("organizations") ?? []).map(Int64.init),
            currencies: try table.strings("currencies") ?? [], condition: condition,
            repeatIntervalSeconds: repeatSeconds.map { Int64($0) }, targets: targets,
            critical: try table.bool("critical") ?? false)
        try table.rejectUnknownKeys()
        return rule
    }

    private static func parseTarget(_ table: inout TableReader, environment: [String: String],
                                    secretsRequired: Bool, timeZone: TimeZone) throws(ConfigurationError) -> WebhookTarget {
        let name = try table.requiredString("name")
        let formatText = try table.requiredString("format")
        guard let format = WebhookFormat(rawValue: formatText) else {
            let known = WebhookFormat.allCases.map(\.rawValue).joined(separator: ", ")
            throw table.error("format", "expected one of \(known), found \"\(formatText)\"")
        }
        let url = try secretValue(&table, key: "url", environment: environment, required: true,
                                  variableRequired: secretsRequired)
        let secret = try secretValue(&table, key: "secret", environment: environment, required: false,
                                     variableRequired: secretsRequired)
        let timeout = try table.seconds("timeout_seconds", in: 1...120) ?? 20
        let maxPerMinute = try table.int("max_per_minute", in: 1...6000)
        var grouping = MessageGrouping.perAlert
        if let text = try table.string("group") {
            guard let value = MessageGrouping(rawValue: text) else {
                throw table.error("group", "expected \"run\" (one message per run) or \"alert\" (one per alert, the default), found \"\(text)\"")
            }
            grouping = value
        }
        let target = WebhookTarget(name: name, format: format, url: url.value ?? "", secret: secret.value,
                                   sendResolved: try table.bool("send_resolved") ?? true,
                                   timeout: .milliseconds(Int64(timeout * 1000)), maxPerMinute: maxPerMinute,
                                   grouping: grouping,
                                   quietHours: try parseQuietHours(&table, target: name, defaultZone: timeZone))
        // A URL or secret left in an unset variable cannot be checked; nothing is sent then.
        if !url.unresolved && !secret.unresolved {
            do { try target.validate() } catch { throw table.error(error.field, error.problem) }
        }
        try table.rejectUnknownKeys()
        return target
    }

    /// `quiet_hours`, `quiet_days` and `quiet_time_zone` (default: the configuration's
    /// `timezone`); nil when neither hours nor days are set.
    private static func parseQuietHours(_ table: inout TableReader, target: String,
                                        defaultZone: TimeZone) throws(ConfigurationError) -> QuietHours? {
        func fail(_ key: String, _ problem: String) -> ConfigurationError {
            table.error(key, "target \"\(target)\": \(problem)")
        }
        let hours = try table.string("quiet_hours"), days = try table.strings("quiet_days")
        let zoneName = try table.string("quiet_time_zone")
        guard hours != nil || days != nil else {
            if zoneName != nil { throw fail("quiet_time_zone", "has no effect without quiet_hours or quiet_days") }
            return nil
        }
        var zone = defaultZone
        if let zoneName {
            guard let named = TimeZone(identifier: zoneName) else {
                throw fail("quiet_time_zone", "unknown time zone \"\(zoneName)\": expected an IANA name such as Asia/Shanghai or UTC")
            }
            zone = named
        }
        do {
            return try QuietHours(hours: hours, days: days ?? [], timeZone: zone)
        } catch {
            throw fail(error.key, error.problem)
        }
    }

    /// Robot URLs and signing secrets may sit in the file (keep it chmod 600) or, better,
    /// come from the environment (`url_env = "NAME"`), e.g. an EnvironmentFile or credential.
    /// Unless `variableRequired`, an unset variable leaves the value unresolved (nil).
    private static func secretValue(_ table: inout TableReader, key: String, environment: [String: String],
                                    required: Bool, variableRequired: Bool)
        throws(ConfigurationError) -> (value: String?, unresolved: Bool) {
        let inline = try table.string(key)
        let variable = try table.string("\(key)_env")
        if inline != nil, variable != nil { throw table.error("\(key)_env", "set either \(key) or \(key)_env, not both") }
        if let variable {
            guard let value = environment[variable], !value.isEmpty else {
                if !variableRequired { return (nil, true) }
                throw table.error("\(key)_env", "environment variable \(variable) is not set or empty")
            }
            return (value, false)
        }
        if inline == nil, required { throw table.error(key, "is required (or \(key)_env naming an environment variable)") }
        return (inline, false)
    }
}
