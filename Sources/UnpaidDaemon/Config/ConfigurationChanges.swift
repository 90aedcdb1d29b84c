import Foundation
import Webhooks

/// What a SIGHUP reload changes, in words for the log: "job daily: added", "[daemon]
/// max_concurrent_organizations: 4 -> 2". Never includes a secret: targets are named,
/// not printed.
public enum ConfigurationChanges {
    public static func between(_ old: Configuration, _ new: Configuration) -> [String] {
        var changes: [String] = []
        changes += named("job", old.jobs, new.jobs, name: \.name, same: sameJob)
        changes += named("alert rule", old.alerts.rules, new.alerts.rules, name: \.name, same: ==)
        changes += named("target", old.alerts.targets, new.alerts.targets, name: \.name, same: ==)
            .map { line in targetDetail(line, old.alerts.targets, new.alerts.targets) }
        if old.alerts.maxDeliveryAgeSeconds != new.alerts.maxDeliveryAgeSeconds {
            changes.append("[delivery] max_age: \(old.alerts.maxDeliveryAgeSeconds) s -> \(new.alerts.maxDeliveryAgeSeconds) s")
        }
        let (a, b) = (old.daemon, new.daemon)
        if a.maxConcurrentOrganizations != b.maxConcurrentOrganizations {
            changes.append("[daemon] max_concurrent_organizations: \(a.maxConcurrentOrganizations) -> \(b.maxConcurrentOrganizations)")
        }
        if a.apiCallsPerSecond != b.apiCallsPerSecond {
            changes.append("[daemon] api_calls_per_second: \(a.apiCallsPerSecond) -> \(b.apiCallsPerSecond)")
        }
        if a.shutdownGraceSeconds != b.shutdownGraceSeconds {
            changes.append("[daemon] shutdown_grace_seconds: \(a.shutdownGraceSeconds) -> \(b.shutdownGraceSeconds)")
        }
        if old.metrics != new.metrics {
            changes.append("[metrics] listen: \(old.metrics.listen?.description ?? "off") -> \(new.metrics.listen?.description ?? "off") (takes effect on restart)")
        }
        if old.timeZone != new.timeZone {
            changes.append("timezone: \(old.timeZone.identifier) -> \(new.timeZone.identifier)")
        }
        return changes
    }

    private static func named<Item>(_ kind: String, _ old: [Item], _ new: [Item], name: (Item) -> String,
                                    same: (Item, Item) -> Bool) -> [String] {
        let before = Dictionary(old.map { (name($0), $0) }, uniquingKeysWith: { first, _ in first })
        let after = Dictionary(new.map { (name($0), $0) }, uniquingKeysWith: { first, _ in first })
        var lines: [String] = []
        for key in Set(before.keys).union(after.keys).sorted() {
            switch (before[key], after[key]) {
            case (nil, .some): lines.append("\(kind) \(key): added")
            case (.some, nil): lines.append("\(kind) \(key): removed")
            case (.some(let a), .some(let b)) where !same(a, b): lines.append("\(kind) \(key): changed")
            default: break
            }
        }
        return lines
    }

    /// "target ops: changed" says which delivery settings changed, quiet hours and
    /// grouping by value (neither is secret); URLs and secrets only as "changed".
    private static func targetDetail(_ line: String, _ old: [WebhookTarget], _ new: [WebhookTarget]) -> String {
        guard line.hasSuffix(": changed"),
              let a = old.first(where: { line == "target \($0.name): changed" }),
              let b = new.first(where: { $0.name == a.name }) else { return line }
        var details: [String] = []
        if a.quietHours != b.quietHours {
            details.append("quiet hours \(a.quietHours?.description ?? "none") -> \(b.quietHours?.description ?? "none")")
        }
        if a.grouping != b.grouping { details.append("group \(a.grouping.rawValue) -> \(b.grouping.rawValue)") }
        var rest = a
        rest.quietHours = b.quietHours
        rest.grouping = b.grouping
        if rest != b { details.append("other settings changed") }
        return "target \(a.name): " + details.joined(separator: "; ")
    }

    private static func sameJob(_ a: JobSettings, _ b: JobSettings) -> Bool {
        a.organizations == b.organizations && a.period == b.period && a.timeZone == b.timeZone
            && a.scheduleText == b.scheduleText && a.catchUp == b.catchUp && a.catchUpWindow == b.catchUpWindow
            && a.randomDelay == b.randomDelay && a.filters == b.filters
    }
}
