import Foundation
import HTTPTypes
import Hummingbird

/// A loopback webhook receiver on 127.0.0.1 answering POSTs from a script (the last
/// reply repeats) and recording every request it got: the chat tool or incident system
/// at the other end of a webhook.
public actor ScriptedReceiver {
    public struct Reply: Sendable {
        public var status: Int
        public var body: String
        public var headers: [String: String]
        /// Never answer (until the server stops): a sender stuck mid-delivery.
        public var hold: Bool

        public init(_ status: Int, _ body: String = "", headers: [String: String] = [:], hold: Bool = false) {
            self.status = status
            self.body = body
            self.headers = headers
            self.hold = hold
        }
    }

    public struct Received: Sendable {
        public var uri: String
        /// By canonical header name.
        public var headers: [String: String]
        public var body: [UInt8]

        /// The body as a JSON object; empty when it is not one.
        public var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
        }

        /// The `data` object of a Standard Webhooks payload.
        public var data: [String: Any] { json["data"] as? [String: Any] ?? [:] }
    }

    private var script: [Reply]
    public private(set) var received: [Received] = []
    /// Yields the number of requests received so far, after each request.
    public nonisolated let arrivals: AsyncStream<Int>
    private let arrival: AsyncStream<Int>.Continuation

    public init(_ script: [Reply]) {
        precondition(!script.isEmpty, "a receiver needs at least one reply")
        self.script = script
        (arrivals, arrival) = AsyncStream<Int>.makeStream()
    }

    func take(_ request: Received) -> Reply {
        received.append(request)
        arrival.yield(received.count)
        return script.count > 1 ? script.removeFirst() : script[0]
    }

    /// Runs a receiver for the duration of `body`, which gets its base URL.
    public static func serving<T: Sendable>(
        _ script: [Reply], _ body: @Sendable (_ baseURL: String, ScriptedReceiver) async throws -> T
    ) async throws -> T {
        let receiver = ScriptedReceiver(script)
        let router = Router()
        router.post("**") { request, _ -> Response in
            var request = request
            let bytes = try await request.collectBody(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let reply = await receiver.take(Received(uri: request.uri.description, headers: headers,
                                                     body: Array(bytes.readableBytesView)))
            if reply.hold { try await Task.sleep(for: .seconds(3600)) }
            var fields = HTTPFields()
            for (name, value) in reply.headers { fields[HTTPField.Name(name)!] = value }
            return Response(status: .init(code: reply.status), headers: fields,
                            body: .init(byteBuffer: ByteBuffer(string: reply.body)))
        }
        return try await withLoopbackServer(router) { port in try await body("http://127.0.0.1:\(port)", receiver) }
    }
}
