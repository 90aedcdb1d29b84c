import ArgumentParser
import Foundation
import Ledger
import UnpaidDaemon

struct DeliveriesCommand: ParsableCommand {
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

    @Option(help: "table, csv or json.")
    var format: TabularReport.Format = .table

    @Option(name: .customLong("enable-target"),
            help: "Resume delivery to a target that was disabled (after fixing its URL), then list.")
    var enableTarget: String?

    func run() throws {
        let settings = try config.loadWithoutSecrets()
        // Only re-enabling a target writes; neither way creates a ledger that is not there.
        let ledger = enableTarget == nil ? try Ledger.openForReading(path: settings.storage.database)
            : try Ledger.openExisting(path: settings.storage.database)
        if let enableTarget {
            let wasDisabled = try ledger.enableTarget(enableTarget)
            FileHandle.standardError.write(Data((wasDisabled ? "target \"\(enableTarget)\" enabled again\n"
                : "target \"\(enableTarget)\" was not disabled\n").utf8))
        }
        let mask = SecretRedactor.shared
        let disabled = try ledger.disabledTargets()
        let entries = try ledger.deliveries(status: status == .all ? nil : DeliveryStatus(rawValue: status.rawValue),
                                            limit: limit)
        print(AlertReports.deliveries(entries, disabled: disabled, mask: mask, timeZone: settings.timeZone)
            .render(format), terminator: "")
        if format == .table, !disabled.isEmpty {
            print()
            print(AlertReports.disabledTargets(disabled, mask: mask, timeZone: settings.timeZone).render(.table),
                  terminator: "")
        }
    }
}
