import Foundation
import Testing
import UnpaidCore
@testable import Webhooks

@Suite struct ChainHeadPayloadTests {
    let head = ChainHead(snapshotID: 7, hash: String(repeating: "c0ffee", count: 10) + "abcd")

    func json(_ notification: AlertNotification, _ format: WebhookFormat) throws -> [String: Any] {
        let target = WebhookTarget(name: "t", format: format, url: "https://example.com/hook",
                                   secret: format == .standard ? "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" : nil)
        let request = try WebhookFormatter.request(for: notification, to: target, now: 1_800_000_700)
        return try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
    }

    @Test func standardAndAlertmanagerPayloadsCarryTheChainHead() async throws {
        var notification = sampleNotification()
        notification.chainHead = head
        let data = try #require(try json(notification, .standard)["data"] as? [String: Any])
        let copied = try #require(data["chain_head"] as? [String: Any])
        #expect(copied["snapshot_id"] as? Int == 7 && copied["hash"] as? String == head.hash)

        let alert = try #require((try json(notification, .alertmanager)["alerts"] as? [[String: Any]])?.first)
        let annotations = try #require(alert["annotations"] as? [String: String])
        #expect(annotations["chain_head"] == head.hash && annotations["chain_head_snapshot_id"] == "7")
    }

    @Test func aNotificationQueuedBeforeTheChainHasNoHead() async throws {
        let data = try #require(try json(sampleNotification(), .standard)["data"] as? [String: Any])
        #expect(data["chain_head"] == nil)
    }
}
