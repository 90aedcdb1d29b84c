import ArgumentParser
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
            ReportCommand.self,
        ])
}

extension Unpaidd {
    /// Errors a command throws are printed through `SecretRedactor.shared`: a receiver's
    /// or server's words may quote a secret the configuration holds.
    static func main() async {
        let command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                var command = command
                try command.run()
            }
        } catch let error as ExitCode {
            exit(withError: error)
        } catch let error as CleanExit {
            exit(withError: error)
        } catch let error as ValidationError {
            exit(withError: error)
        } catch {
            exit(withError: RedactedError(description: SecretRedactor.shared.redact("\(error)")))
        }
    }
}

struct RedactedError: Error, CustomStringConvertible {
    let description: String
}
