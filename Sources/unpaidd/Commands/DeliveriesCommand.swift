import ArgumentParser
import Foundation
import Ledger
import UnpaidDaemon

struct DeliveriesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliveries",
        abstract: "Webhook deliveries, newest first: target, attempts, status and last error (URLs and secrets masked).")

    enum StatusFilter: String, ExpressibleByArgument, CaseIterable {
        case pending, delivered, dead, all
    }

    @OptionGroup var config: ConfigOption

    @Option(help: "pending, delivered, dead or all.")
    var status: StatusFilter = .all

    @Option(help: "Only the most recent N deliveries.")
    var limit: Int = 100

    @OptionGroup var presentation: TableFormatOption

    @Option(name: .customLong("enable-target"),
            help: "Resume delivery to a target that was disabled (after fixing its URL), then list.")
    var enableTarget: String?

    @Flag(name: .customLong("retry-dead"),
          help: "Send dead deliveries back to pending with the same message ids (the daemon or the next run --once sends them), then list.")
    var retryDead = false

    @Option(help: "With --retry-dead: only this target's dead deliveries.")
    var target: String?

    @Option(help: "With --retry-dead: only deliveries that died at or after this date (YYYY-MM-DD[THH:MM[:SS]] or Unix seconds).")
    var since: String?

    func validate() throws {
        if !retryDead, target != nil || since != nil {
            throw ValidationError("--target and --since narrow --retry-dead; add --retry-dead or leave them out")
        }
    }

    func run() async throws {
        let settings = try config.loadWithoutSecrets()
        // Re-enabling a target and requeueing write; no way creates a ledger that is not there.
        let writes = enableTarget != nil || retryDead
        try await settings.withLedger(writes ? .existing : .readOnly) { ledger in
            if retryDead {
                try await requeueDead(in: ledger, settings: settings)
            }
            if let enableTarget {
                let wasDisabled = try await ledger.enableTarget(enableTarget)
                FileHandle.standardError.write(Data((wasDisabled ? "target \"\(enableTarget)\" enabled again\n"
                    : "target \"\(enableTarget)\" was not disabled\n").utf8))
            }
            let mask = SecretRedactor.shared
            let disabled = try await ledger.disabledTargets()
            let entries = try await ledger.deliveries(status: status == .all ? nil : DeliveryStatus(rawValue: status.rawValue),
                                                limit: limit)
            print(AlertReports.deliveries(entries, disabled: disabled, mask: mask, timeZone: settings.timeZone)
                .render(presentation.format), terminator: "")
            if presentation.format == .table, !disabled.isEmpty {
                print()
                print(AlertReports.disabledTargets(disabled, mask: mask, timeZone: settings.timeZone).render(.table),
                      terminator: "")
            }
        }
    }

    /// Like `--enable-target`, says on stderr what it changed; stdout stays the listing.
    private func requeueDead(in ledger: any Ledger, settings: Configuration) async throws {
        let configured = settings.alerts.targets.map(\.name)
        if let target, !configured.contains(target) {
            throw CommandError("--target: no target named \"\(target)\" in \(settings.file)"
                + (configured.isEmpty ? "" : " (targets: \(configured.joined(separator: ", ")))"))
        }
        let deadSince = try since.map { try CommandLineDate.parse($0, in: settings.timeZone, option: "--since") }
        let requeued = try await ledger.retryDead(target: target, since: deadSince, now: Int64(Date().timeIntervalSince1970))
        let disabled = Set(try await ledger.disabledTargets().map(\.target))
        let summary = RequeueSummary.lines(requeued, disabledTargets: disabled, configuredTargets: Set(configured))
        FileHandle.standardError.write(Data(summary.map { $0 + "\n" }.joined().utf8))
    }
}

/// What `deliveries --retry-dead` requeued, one line per target.
enum RequeueSummary {
    static func lines(_ requeued: [OutboxEntry], disabledTargets: Set<String>,
                      configuredTargets: Set<String>) -> [String] {
        guard !requeued.isEmpty else { return ["no dead deliveries to requeue"] }
        let counts = Dictionary(grouping: requeued, by: \.target).mapValues(\.count)
        return counts.keys.sorted().map { target in
            let count = counts[target]!
            var line = "target \"\(target)\": \(count) dead \(count == 1 ? "delivery" : "deliveries") back to pending, same message ids"
            if !configuredTargets.contains(target) {
                line += "; no such target in the configuration any more, so they wait until it is added back"
            } else if disabledTargets.contains(target) {
                line += "; the target is disabled: they wait until --enable-target \(target)"
            }
            return line
        }
    }
}
