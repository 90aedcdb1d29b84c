import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LoopbackTestSupport
import Logging
import UnpaidCore
import Webhooks

/// Real HTTP with Foundation, standing in for the daemon's curl transport.
struct URLSessionWebhookClient: WebhookHTTPClient {
    func post(_ request: WebhookRequest, timeout: Duration) async throws -> WebhookResponse {
        var urlRequest = URLRequest(url: URL(string: request.url)!)
        urlRequest.httpMethod = "POST"
        urlRequest.httpBody = Data(request.body)
        urlRequest.timeoutInterval = Double(timeout.components.seconds)
        for (name, value) in request.headers { urlRequest.addValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: urlRequest)
        let http = response as! HTTPURLResponse
        let headers = http.allHeaderFields.map { ("\($0.key)", "\($0.value)") }
        return WebhookResponse(status: http.statusCode, headers: headers, body: [UInt8](data))
    }
}

func sampleNotification(kind: AlertNotification.Kind = .firing, messageID: String = "msg_test0001") -> AlertNotification {
    AlertNotification(
        messageID: messageID, kind: kind,
        identity: AlertIdentity(rule: "unpaid-growth", job: "daily", organizationID: 42, currency: "USD"),
        condition: "on = increase, min_delta = 100", targets: ["ops"], snapshotID: 7,
        firingSince: 1_800_000_000, createdAt: 1_800_000_600,
        before: Total(count: 3, sum: try! Money("1000.00")), after: Total(count: 5, sum: try! Money("1250.50")),
        newOrderCount: 3, goneOrderCount: 1, changedOrderCount: 0,
        highlightedOrders: [OrderAmount(orderNo: "ORD-9", amount: try! Money("200.25")),
                            OrderAmount(orderNo: "ORD-8", amount: try! Money("50.25"))])
}
