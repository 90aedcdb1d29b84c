import CurlTransport
import Foundation
import Hummingbird
import LoopbackTestSupport
import Testing

@Suite struct HTTPTransportTests {
    let transport = CurlHTTPTransport()

    @Test func postEchoesBodyAndHeaders() async throws {
        let router = Router()
        router.post("/echo") { request, _ -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            var headers = HTTPFields()
            headers[.init("X-Seen-Custom")!] = request.headers[.init("X-Custom")!] ?? "none"
            headers[.contentType] = request.headers[.contentType] ?? "none"
            headers[.init("X-Seen-Expect")!] = request.headers[.expect] ?? "none"
            headers[.init("X-Seen-Method")!] = request.method.rawValue
            return Response(status: .created, headers: headers, body: .init(byteBuffer: body))
        }
        // Large enough that curl would ask for "100 Continue" unless told not to.
        let payload = Array("name=a%20b&x=1".utf8) + [0, 255, 10] + Array(repeating: 7, count: 100_000)
        let response = try await withLoopbackServer(router) { port in
            try await transport.send(CurlTransport.HTTPRequest(
                method: "POST", url: "http://127.0.0.1:\(port)/echo",
                headers: ["X-Custom": "value 1", "Content-Type": "application/x-www-form-urlencoded"],
                body: payload))
        }
        #expect(response.status == 201)
        #expect(response.body == payload)
        #expect(response.headers["x-seen-custom"] == "value 1")
        #expect(response.headers["CONTENT-TYPE"] == "application/x-www-form-urlencoded")
        #expect(response.headers["X-Seen-Expect"] == "none")
        #expect(response.headers["X-Seen-Method"] == "POST")
    }

    @Test func emptyPostAndOtherMethods() async throws {
        let router = Router()
        router.on("/method", method: .post) { request, _ in try await Self.describe(request) }
        router.on("/method", method: .put) { request, _ in try await Self.describe(request) }
        router.on("/method", method: .delete) { request, _ in try await Self.describe(request) }
        try await withLoopbackServer(router) { port in
            let url = "http://127.0.0.1:\(port)/method"
            let emptyPost = try await transport.send(CurlTransport.HTTPRequest(method: "POST", url: url))
            #expect(String(decoding: emptyPost.body, as: UTF8.self) == "POST 0")
            let put = try await transport.send(CurlTransport.HTTPRequest(method: "PUT", url: url, body: [1, 2, 3]))
            #expect(String(decoding: put.body, as: UTF8.self) == "PUT 3")
            let delete = try await transport.send(CurlTransport.HTTPRequest(method: "DELETE", url: url))
            #expect(String(decoding: delete.body, as: UTF8.self) == "DELETE 0")
        }
    }

    static func describe(_ request: Request) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: 1 << 20)
        return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "\(request.method.rawValue) \(body.readableBytes)")))
    }

    @Test func nonSuccessStatusIsAResponseNotAnError() async throws {
        let router = Router()
        router.get("/missing") { _, _ in Response(status: .notFound, body: .init(byteBuffer: ByteBuffer(string: "gone"))) }
        let response = try await withLoopbackServer(router) { port in
            try await transport.send(CurlTransport.HTTPRequest(url: "http://127.0.0.1:\(port)/missing"))
        }
        #expect(response.status == 404)
        #expect(String(decoding: response.body, as: UTF8.self) == "gone")
    }

    @Test func lowSpeedTimeoutFiresOnAStalledBody() async throws {
        let router = Router()
        router.get("/stall") { _, _ in
            Response(status: .ok, body: ResponseBody(contentLength: 1000) { writer in
                try await writer.write(ByteBuffer(string: "x"))
                // Held open until the server shuts down at the end of the test: a stall
                // of a few seconds could end before a loaded machine ran curl's timer.
                try await Task.sleep(for: .seconds(120))
            })
        }
        // Only the low-speed timer can end this transfer as .lowSpeed; the total timeout,
        // far later, would end it as .total.
        let error = try await withLoopbackServer(router) { port in
            await #expect(throws: TransportError.self) {
                try await transport.send(CurlTransport.HTTPRequest(
                    url: "http://127.0.0.1:\(port)/stall",
                    timeouts: HTTPTimeouts(total: .seconds(30), lowSpeedBytesPerSecond: 100, lowSpeedTime: .seconds(1))))
            }
        }
        #expect(error == .timeout(.lowSpeed))
    }

    @Test func totalTimeoutFires() async throws {
        let router = Router()
        router.get("/slow") { _, _ -> Response in
            // Never answers before the server shuts down: no race with the 300 ms timeout.
            try await Task.sleep(for: .seconds(120))
            return Response(status: .ok)
        }
        let error = try await withLoopbackServer(router) { port in
            await #expect(throws: TransportError.self) {
                try await transport.send(CurlTransport.HTTPRequest(
                    url: "http://127.0.0.1:\(port)/slow", timeouts: HTTPTimeouts(total: .milliseconds(300))))
            }
        }
        #expect(error == .timeout(.total))
    }

    @Test func refusedConnectionIsAConnectionError() async throws {
        // Port 1 (tcpmux) is not served on the loopback of a test machine.
        let error = await #expect(throws: TransportError.self) {
            try await transport.send(CurlTransport.HTTPRequest(url: "http://127.0.0.1:1/"))
        }
        guard case .connection = error else { Issue.record("expected a connection error, got \(String(describing: error))"); return }
    }
}
