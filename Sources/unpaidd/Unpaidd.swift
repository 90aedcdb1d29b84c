import ArgumentParser
import Foundation
import UnpaidCore
import UnpaidDaemon

@main
struct Unpaidd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unpaidd",
        abstract: "Exports unpaid-order reports on a schedule, keeps every snapshot, alerts on changes.",
        version: UnpaiddVersion.current,
        subcommands: [
            RunCommand.self, FetchCommand.self, CallCommand.self, HistoryCommand.self,
            RunsCommand.self, InspectCommand.self, ConvertCommand.self, CheckConfigCommand.self,
            AlertsCommand.self, DeliveriesCommand.self, TestWebhookCommand.self, ScheduleCommand.self,
            VerifyCommand.self, BackupCommand.self,
            OrdersCommand.self, OrderCommand.self, RollForwardCommand.self, AgingCommand.self, ChangesCommand.self,
            ReportCommand.self, LedgerCommand.self,
        ])
}

extension Unpaidd {
    /// Every message a command ends with goes through `SecretRedactor.shared`: a
    /// receiver's or server's words may quote a secret the configuration holds. The
    /// message itself is ArgumentParser's, so help (`--help`, `help X`, which reach here as
    /// errors), usage and exit codes stay exactly what users of the parser expect.
    static func main() async {
        do {
            let command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                var command = command
                try command.run()
            }
        } catch {
            exitRedacted(error)
        }
    }

    private static func exitRedacted(_ error: any Error) -> Never {
        let code = exitCode(for: error)
        let message = SecretRedactor.shared.redact(fullMessage(for: error))
        if !message.isEmpty {
            if code == .success {
                print(message)
            } else {
                FileHandle.standardError.write(Data((message + "\n").utf8))
            }
        }
        Foundation.exit(code.rawValue)
    }
}
