import ArgumentParser

@main
struct Unpaidd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unpaidd",
        abstract: "Exports unpaid-order reports on a schedule, keeps every snapshot, alerts on changes.",
        version: UnpaiddVersion.current,
        subcommands: [
            RunCommand.self, FetchCommand.self, CallCommand.self, HistoryCommand.self,
            InspectCommand.self, ConvertCommand.self, CheckConfigCommand.self,
            AlertsCommand.self, DeliveriesCommand.self, TestWebhookCommand.self, ScheduleCommand.self,
            VerifyCommand.self, BackupCommand.self,
            OrdersCommand.self, OrderCommand.self, RollForwardCommand.self, AgingCommand.self, ChangesCommand.self,
            ReportCommand.self,
        ])
}

enum UnpaiddVersion {
    static let current = "0.1.0"
}
