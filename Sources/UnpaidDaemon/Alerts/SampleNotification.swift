import UnpaidCore
import Webhooks

/// The message `unpaidd test-webhook` sends: shaped like a real firing alert, clearly
/// labelled as a test, with an id of its own so receivers do not dedupe it away.
public enum SampleNotification {
    public static func make(for target: WebhookTarget, now: Int64) -> AlertNotification {
        AlertNotification(
            messageID: "msg_test_\(now)", kind: .firing,
            identity: AlertIdentity(rule: "test-webhook", job: "test", organizationID: 0, currency: "USD"),
            condition: "test message from unpaidd test-webhook", targets: [target.name], snapshotID: 0,
            firingSince: now, createdAt: now,
            before: Total(count: 2, sum: Money(units: 150_000, scale: 2)),
            after: Total(count: 3, sum: Money(units: 175_050, scale: 2)),
            newOrderCount: 1, goneOrderCount: 0, changedOrderCount: 0,
            highlightedOrders: [OrderAmount(orderNo: "TEST-ORDER-1", amount: Money(units: 25_050, scale: 2))])
    }
}
