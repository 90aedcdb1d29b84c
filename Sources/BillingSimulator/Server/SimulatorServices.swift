import Foundation
import Hummingbird

/// What every handler shares: configuration, data, mutable state and the bucket.
struct SimulatorServices: Sendable {
    let configuration: SimulatorConfiguration
    let catalog: OrderCatalog
    let state: SimulatorState
    let store: ObjectStore
    let inbox = WebhookInbox()

    /// Wall clock (or the frozen start) shifted by `advanceClock`, so tests expire URLs without sleeping.
    func currentTime() async -> Int64 {
        (configuration.frozenClock ?? Int64(Date().timeIntervalSince1970)) + (await state.clockOffset)
    }
}

enum JSONResponse {
    static func bytes(_ object: [String: Any]) -> Data {
        // Handlers only build dictionaries of strings, numbers, arrays and dictionaries.
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    }

    static func make(_ object: [String: Any], status: HTTPResponse.Status = .ok,
                     headers: HTTPFields = [:]) -> Response {
        let data = bytes(object)
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Logs one line per request: method, path (never the query, which may hold a
/// presigned signature), status and duration.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let log: @Sendable (String) -> Void

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - started
        let milliseconds = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        log("\(request.method) \(request.uri.path) -> \(response.status.code) (\(milliseconds) ms)")
        return response
    }
}
