import BillingAPI
import Foundation
import Hummingbird
import LoopbackTestSupport
import Logging
import Synchronization
import UnpaidCore

/// A tiny fake of the cloud on 127.0.0.1: checks every call's signature the way the
/// gateway does (171/172 on failure), then answers from a script; it also serves
/// export files whose status the test chooses.
final class FakeCloud: Sendable {
    static let publicKey = "ucloudsomeone@example.com1296235120854146120"
    static let privateKey = "46f09bb9fab4f12dfc160dae12273d5332b5debe"

    enum Reply: Sendable {
        case http(Int, retryAfter: String? = nil)
        case envelope(String)
    }

    struct Call: Sendable {
        let parameters: [Parameter]
        let headers: [String: String]
        func value(_ name: String) -> String? { parameters.first { $0.name == name }?.value }
    }

    struct Parameter: Sendable, Equatable {
        let name: String
        let value: String
    }

    private struct State {
        var script: [Reply] = []
        var calls: [Call] = []
        var files: [String: [(status: Int, body: [UInt8])]] = [:]
        var fileRequests: [String] = []
    }

    private let state = Mutex(State())

    func script(_ replies: [Reply]) { state.withLock { $0.script = replies } }
    var calls: [Call] { state.withLock { $0.calls } }
    var fileRequests: [String] { state.withLock { $0.fileRequests } }

    /// Successive GETs of `/files/<name>` get these answers in turn (the last one repeats).
    func serve(_ name: String, _ answers: [(status: Int, body: [UInt8])]) {
        state.withLock { $0.files[name] = answers }
    }

    var router: Router<BasicRequestContext> {
        let router = Router()
        router.post("/") { request, _ in try await self.answerAPI(request) }
        router.get("/files/:name") { _, context in
            let name = context.parameters.get("name") ?? ""
            let answer: (status: Int, body: [UInt8]) = self.state.withLock { state in
                state.fileRequests.append(name)
                guard var answers = state.files[name], !answers.isEmpty else { return (404, Array("no such key".utf8)) }
                let first = answers.removeFirst()
                if !answers.isEmpty { state.files[name] = answers }
                return first
            }
            return Response(status: .init(code: answer.status), body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
        }
        return router
    }

    private func answerAPI(_ request: Request) async throws -> Response {
        var request = request
        let body = String(decoding: try await request.collectBody(upTo: 1 << 20).readableBytesView, as: UTF8.self)
        guard let decoded = FormURLEncoding.decode(body) else { return Response(status: .badRequest) }
        // Keys are lower-case: HTTP header names are case-insensitive.
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let call = Call(parameters: decoded.map { Parameter(name: $0.name, value: $0.value) }, headers: headers)
        let (index, reply): (Int, Reply?) = state.withLock { state in
            state.calls.append(call)
            return (state.calls.count, state.script.isEmpty ? nil : state.script.removeFirst())
        }
        var responseHeaders = HTTPFields()
        responseHeaders[.init("X-UCLOUD-REQUEST-UUID")!] = "req-\(index)"
        let action = call.value("Action") ?? ""
        guard call.value("PublicKey") == Self.publicKey else {
            return Self.json(#"{"Action":"\#(action)Response","RetCode":172,"Message":"user not found"}"#, responseHeaders)
        }
        let unsigned = decoded.filter { $0.name != "Signature" }
        guard APISignature.matches(APISignature.sign(unsigned, privateKey: Self.privateKey), call.value("Signature") ?? "") else {
            return Self.json(#"{"Action":"\#(action)Response","RetCode":171,"Message":"Signature verification failed"}"#, responseHeaders)
        }
        switch reply {
        case .http(let status, let retryAfter):
            if let retryAfter { responseHeaders[.retryAfter] = retryAfter }
            return Response(status: .init(code: status), headers: responseHeaders)
        case .envelope(let json):
            return Self.json(json, responseHeaders)
        case nil:
            return Self.json(#"{"Action":"\#(action)Response","RetCode":0}"#, responseHeaders)
        }
    }

    private static func json(_ text: String, _ headers: HTTPFields) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// Records the pauses the client asks for instead of sleeping.
final class SleepRecorder: Sendable {
    private let delays = Mutex<[Duration]>([])
    var all: [Duration] { delays.withLock { $0 } }
    var sleep: @Sendable (Duration) async throws -> Void {
        { delay in self.delays.withLock { $0.append(delay) } }
    }
}

