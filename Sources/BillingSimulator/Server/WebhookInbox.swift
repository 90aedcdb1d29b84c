import Foundation
import Hummingbird

/// A local receiver for unpaidd's alert webhooks, so the demo and tests can watch
/// notifications arrive without any outside service. Keeps the most recent deliveries.
actor WebhookInbox {
    struct Delivery: Sendable {
        let receiver: String
        let messageID: String?
        let signature: String?
        let body: String
    }

    private(set) var deliveries: [Delivery] = []
    private let capacity = 500

    func record(_ delivery: Delivery) {
        deliveries.append(delivery)
        if deliveries.count > capacity { deliveries.removeFirst(deliveries.count - capacity) }
    }
}

struct WebhookInboxHandler: Sendable {
    let inbox: WebhookInbox

    /// Accepts any JSON body, like a chat robot that answers `{"code":0}` / `{"errcode":0}`.
    func receive(_ request: Request, receiver: String) async throws -> Response {
        let buffer = try await request.body.collect(upTo: 1 << 20)
        await inbox.record(.init(receiver: receiver, messageID: request.headers[.init("webhook-id")!],
                                 signature: request.headers[.init("webhook-signature")!],
                                 body: String(buffer: buffer)))
        return JSONResponse.make(["code": 0, "errcode": 0, "ok": true])
    }

    /// One block per delivery, oldest first: readable in a terminal.
    func list() async -> Response {
        let lines = await inbox.deliveries.map { delivery in
            let id = delivery.messageID.map { " webhook-id=\($0)" } ?? ""
            let signed = delivery.signature == nil ? "" : " (signed)"
            return "[\(delivery.receiver)]\(id)\(signed)\n\(delivery.body)\n"
        }
        return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: lines.joined(separator: "\n"))))
    }
}
