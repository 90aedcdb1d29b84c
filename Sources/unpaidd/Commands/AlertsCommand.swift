import ArgumentParser
import Ledger
import UnpaidCore
import UnpaidDaemon

struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Alerts and their lifecycle: per rule, job, organization and currency, with the last change notified.")

    enum StateFilter: String, ExpressibleByArgument, CaseIterable {
        case firing, resolved, all
    }

    @OptionGroup var config: ConfigOption

    @Option(help: "firing, resolved or all.")
    var state: StateFilter = .firing

    @OptionGroup var presentation: TableFormatOption

    func run() async throws {
        let settings = try config.loadWithoutSecrets()
        try await settings.withLedger(.readOnly) { ledger in
            let status: AlertState.Status? = switch state {
            case .firing: .firing
            case .resolved: .resolved
            case .all: nil
            }
            let report = AlertReports.alerts(try await ledger.alerts(status: status), timeZone: settings.timeZone)
            print(report.render(presentation.format), terminator: "")
        }
    }
}
