import ArgumentParser
import Foundation
import UnpaidDaemon
import Webhooks

struct TestWebhookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test-webhook",
        abstract: "Send one sample alert to a [[target]] now, outside the outbox, and print how it answered.")

    @OptionGroup var config: ConfigOption
    @OptionGroup var log: LogOptions

    @Option(help: "The name of the [[target]].")
    var target: String

    func run() async throws {
        let settings = try config.load()
        guard let selected = settings.alerts.targets.first(where: { $0.name == target }) else {
            let known = settings.alerts.targets.map(\.name).joined(separator: ", ")
            throw CommandError("--target: no [[target]] named \"\(target)\" in \(settings.file) (defined: \(known.isEmpty ? "none" : known))")
        }
        let now = Int64(Date().timeIntervalSince1970)
        let sender = WebhookSender(client: CurlWebhookClient(), logger: log.makeLogger())
        let notification = SampleNotification.make(for: selected, now: now)
        print("sending \(notification.messageID) to \(selected)")
        let outcome = await sender.attempt(notification, to: selected, now: now)
        print(SecretRedactor.shared.redact("\(outcome)"))
        if outcome != .delivered { throw ExitCode.failure }
    }
}
