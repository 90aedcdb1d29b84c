import Foundation
import Ledger
import Logging
import LoopbackTestSupport
import Testing
import UnpaidCore
@testable import UnpaidDaemon
import Webhooks

/// Quiet hours through the ledger's outbox and the libcurl client: a held alert reaches
/// the receiver when the window ends, a critical one at once.
@Suite struct QuietHoursDeliveryTests {
    @Test func heldUntilTheWindowEndsUnlessCritical() async throws {
        try await ScriptedReceiver.serving([.init(200)]) { url, receiver in
            // The bench's clock starts at 08:00 UTC, inside 07:00-09:00.
            let quiet = try QuietHours(hours: "07:00-09:00", days: [], timeZone: TimeZone(identifier: "UTC")!)
            let bench = try AlertBench(rules: [
                changeRule("grew", targets: ["ops"]),
                AlertRule(name: "urgent", condition: .change(.increase, minDelta: nil, minDeltaRatio: nil),
                          targets: ["ops"], critical: true),
            ], targets: [WebhookTarget(name: "ops", format: .alertmanager, url: url + "/am", timeout: AlertBench.receiverTimeout,
                                       quietHours: quiet)])
            defer { bench.removeFiles() }
            try bench.record([usd("A", "100.00")], file: 1)
            try bench.record([usd("A", "100.00"), usd("B", "5.00")], file: 2)
            let end = bench.time.now + 3600

            var report = try await bench.delivery().drain(timeout: .zero)
            #expect(report.delivered == 1 && report.stillPending == 1)
            #expect(await receiver.received.compactMap { $0.json["groupLabels"] as? [String: String] }
                == [["alertname": "urgent"]])
            let held = try await #require(try bench.ledger.deliveries(status: .pending).first)
            #expect(held.notification.identity.rule == "grew" && held.attempts == 0 && held.nextAttemptAt == end)

            bench.time.set(end)
            report = try await bench.delivery().drain(timeout: .zero)
            #expect(report.delivered == 1 && report.stillPending == 0)
            #expect(await receiver.received.count == 2)
        }
    }

    /// A reload that drops a target's quiet hours sends what they held at the next pass.
    @Test func aReloadEndingQuietHoursReleasesWhatTheyHeld() async throws {
        try await ScriptedReceiver.serving([.init(200)]) { url, receiver in
            let quiet = try QuietHours(hours: "07:00-09:00", days: [], timeZone: TimeZone(identifier: "UTC")!)
            let target = WebhookTarget(name: "ops", format: .alertmanager, url: url + "/am", timeout: AlertBench.receiverTimeout,
                                       quietHours: quiet)
            let bench = try AlertBench(rules: [changeRule(targets: ["ops"])], targets: [target])
            defer { bench.removeFiles() }
            try bench.record([usd("A", "100.00")], file: 1)
            try bench.record([usd("A", "100.00"), usd("B", "5.00")], file: 2)
            #expect(try await bench.delivery().drain(timeout: .zero).stillPending == 1)
            var loud = target
            loud.quietHours = nil
            let reloaded = AlertSettings(rules: bench.settings.rules, targets: [loud])
            await #expect(try AlertDelivery.releaseHeld(from: bench.settings, to: bench.settings, ledger: bench.ledger,
                                                  now: bench.time.now) == 0, "nothing changed, nothing released")
            await #expect(try AlertDelivery.releaseHeld(from: bench.settings, to: reloaded, ledger: bench.ledger,
                                                  now: bench.time.now) == 1)
            let delivery = AlertDelivery(settings: reloaded, ledger: bench.ledger, logger: Logger(label: "quiet"),
                                         now: { [time = bench.time] in time.now })
            #expect(try await delivery.drain(timeout: .zero).delivered == 1)
            #expect(await receiver.received.count == 1)
        }
    }
}
