import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HTTPTypes
import Hummingbird
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

/// A loopback webhook receiver answering from a script, recording every request.
actor Receiver {
    struct Reply: Sendable {
        var status: Int
        var body: String
        var headers: [String: String]
        init(_ status: Int, _ body: String = "", headers: [String: String] = [:]) {
            self.status = status
            self.body = body
            self.headers = headers
        }
    }

    struct Received: Sendable {
        var uri: String
        var headers: [String: String]
        var body: [UInt8]
        func json() throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: Data(body)) as! [String: Any]
        }
    }

    private var script: [Reply]
    private(set) var received: [Received] = []

    init(_ script: [Reply]) { self.script = script }

    /// Replies in script order; the last reply repeats.
    func take(_ request: Received) -> Reply {
        received.append(request)
        return script.count > 1 ? script.removeFirst() : script[0]
    }

    /// Runs a receiver on 127.0.0.1 at an ephemeral port; `body` gets its base URL.
    static func serving<T: Sendable>(_ script: [Reply], _ body: @Sendable (String, Receiver) async throws -> T) async throws -> T {
        let receiver = Receiver(script)
        let router = Router()
        router.post("**") { request, _ -> Response in
            var request = request
            let bytes = try await request.collectBody(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let reply = await receiver.take(Received(uri: request.uri.description, headers: headers,
                                                     body: Array(bytes.readableBytesView)))
            var fields = HTTPFields()
            for (name, value) in reply.headers { fields[HTTPField.Name(name)!] = value }
            return Response(status: .init(code: reply.status), headers: fields,
                            body: .init(byteBuffer: ByteBuffer(string: reply.body)))
        }
        return try await withLoopbackServer(router) { port in try await body("http://127.0.0.1:\(port)", receiver) }
    }
}

/// Deterministic randomness for jitter (SplitMix64).
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
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
