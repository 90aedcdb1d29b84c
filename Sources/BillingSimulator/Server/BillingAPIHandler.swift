import Foundation
import HTTPTypes
import Hummingbird
import UnpaidCore

/// The signed API endpoint: gateway faults, authentication, then the action.
struct BillingAPIHandler: Sendable {
    let services: SimulatorServices
    static let actions: Set<String> = ["DownloadListUnpaidOrders", "GetOrderAmount"]

    func respond(to request: Request) async throws -> Response {
        var parameters = FormDecoding.decode(Substring(request.uri.query ?? ""), plusIsSpace: true)
        if request.method == .post {
            let body = try await request.body.collect(upTo: 1 << 20)
            parameters += FormDecoding.decode(Substring(String(buffer: body)), plusIsSpace: true)
        }
        let action = parameters.first { $0.name == "Action" }?.value
        let state = services.state
        await state.recordAPICall(action: action ?? "")
        var headers: HTTPFields = [:]
        headers[HTTPField.Name("X-UCLOUD-REQUEST-UUID")!] = UUID().uuidString.lowercased()

        if await state.fire(.http5xx, on: .api) {
            return JSONResponse.make(["Message": "service unavailable (simulated)"],
                                     status: .serviceUnavailable, headers: headers)
        }
        if await state.fire(.http429, on: .api) {
            headers[.retryAfter] = "1"
            return JSONResponse.make(["Message": "too many requests (simulated)"],
                                     status: .tooManyRequests, headers: headers)
        }
        let envelopeAction = (action ?? "") + "Response"
        let outcome: APIOutcome
        if await state.fire(.throttle, on: .api) {
            outcome = .failure(153, "request throttled (simulated): retry later")
        } else {
            outcome = await evaluate(action: action, parameters: parameters)
        }
        var envelope: [String: Any] = ["Action": envelopeAction]
        switch outcome {
        case .failure(let code, let message):
            envelope["RetCode"] = code
            envelope["Message"] = message
            await state.recordRetCode(code)
        case .success(let fields):
            envelope["RetCode"] = 0
            envelope["Message"] = ""
            // The reference names these fields `Data`; the envelope carries them at the
            // top level too, since where the real API puts them is not confirmed.
            envelope.merge(fields) { $1 }
            envelope["Data"] = fields
            await state.recordRetCode(0)
            if action == "DownloadListUnpaidOrders", await state.fire(.truncatedJSON, on: .api) {
                return Self.cutShort(envelope, headers: headers)
            }
        }
        return JSONResponse.make(envelope, headers: headers)
    }

    /// The envelope as a proxy that dropped its upstream leaves it: a 200 that stops a few
    /// characters into the first `Signature=` value.
    private static func cutShort(_ envelope: [String: Any], headers: HTTPFields) -> Response {
        var bytes = [UInt8](JSONResponse.bytes(envelope))
        let text = String(decoding: bytes, as: UTF8.self)
        let cut = text.range(of: "Signature=").map { text.utf8.distance(from: text.startIndex, to: $0.upperBound) + 4 }
        bytes = Array(bytes.prefix(cut ?? bytes.count / 2))
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    enum APIOutcome {
        case failure(Int, String)
        case success([String: Any])
    }

    private func evaluate(action: String?, parameters: [(name: String, value: String)]) async -> APIOutcome {
        guard let action, !action.isEmpty else { return .failure(160, "missing parameter Action") }
        guard let publicKey = parameters.first(where: { $0.name == "PublicKey" })?.value else {
            return .failure(160, "missing parameter PublicKey")
        }
        guard let privateKey = services.configuration.credentials[publicKey] else {
            return .failure(172, "user with this PublicKey does not exist")
        }
        guard let signature = parameters.first(where: { $0.name == "Signature" })?.value else {
            return .failure(160, "missing parameter Signature")
        }
        let expected = APISignature.sign(parameters, privateKey: privateKey)
        guard APISignature.matches(expected, signature) else {
            return .failure(171, "signature verification failed")
        }
        guard Self.actions.contains(action) else { return .failure(161, "unknown Action \(action)") }
        switch UnpaidOrdersRequest.parse(parameters) {
        case .failure(let error):
            return .failure(error.retCode, error.description)
        case .success(let parsed) where action == "GetOrderAmount":
            return await OrderAmountAnswer.answer(parsed, services: services)
        case .success(let parsed):
            return await downloadListUnpaidOrders(parsed, publicKey: publicKey, privateKey: privateKey)
        }
    }

    private func downloadListUnpaidOrders(_ request: UnpaidOrdersRequest, publicKey: String,
                                          privateKey: String) async -> APIOutcome {
        let state = services.state
        let organizationsDown = await state.organizationsDown
        if let down = request.filter.organizationIDs.first(where: organizationsDown.contains) {
            return .failure(230, "no permission to read the bills of organization \(down) (simulated outage)")
        }
        let phase = await state.phase
        let moves = await state.fire(.movesDuringExport, on: .api)
        if moves { await state.addArrival(organizationIDs: request.filter.organizationIDs) }
        let orders = services.catalog.orders(matching: request.filter, phase: phase, arrivals: await state.arrivals)
        if moves { await state.addArrival(organizationIDs: request.filter.organizationIDs) }
        var writer = XLSXWorkbookWriter(sheetName: "Unpaid Orders")
        writer.appendRow(SimulatedOrder.columns.map(XLSXCell.text))
        for order in orders { writer.appendRow(order.cells) }
        let file = writer.finish()
        let now = await services.currentTime()
        let bucket = services.configuration.bucket
        let key = "unpaid-orders/\(UUID().uuidString.lowercased()).xlsx"
        await services.store.put(key: key, bytes: file, now: now)
        let expires = now + services.configuration.urlTTL
        let signature = PresignedURLSignature.sign(privateKey: privateKey, bucket: bucket, key: key, expires: expires)
        let encodedKey = publicKey.addingPercentEncoding(withAllowedCharacters: .urlUnreservedCharacters) ?? publicKey
        let port = await state.port
        // The signature goes in raw, `+` and all, as US3 hands it out.
        let url = "http://127.0.0.1:\(port)/\(bucket)/\(key)?UCloudPublicKey=\(encodedKey)&Signature=\(signature)&Expires=\(expires)"
        let reportedSize = file.count + (await state.fire(.wrongFileSize, on: .api) ? 1 : 0)
        let window = request.filter.window
        return .success([
            "DownloadURL": url,
            "FileName": "unpaid_orders_\(window.start)_\(window.end).xlsx",
            "FileSize": reportedSize,
        ])
    }
}

extension CharacterSet {
    static let urlUnreservedCharacters = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}
