import Hummingbird

/// `GET /<bucket>/<key>?UCloudPublicKey=…&Signature=…&Expires=…`, like a US3 presigned URL.
struct ObjectDownloadHandler: Sendable {
    let services: SimulatorServices

    private struct ConnectionDropped: Error {}

    func respond(to request: Request) async -> Response {
        let response = await answer(request)
        let served = response.status == .ok || response.status == .partialContent
        await services.state.recordDownload(served: served)
        return response
    }

    private func answer(_ request: Request) async -> Response {
        let state = services.state
        if await state.fire(.http5xx, on: .download) {
            return Self.error(.serviceUnavailable, 503, "service unavailable (simulated)")
        }
        if await state.fire(.http429, on: .download) {
            var response = Self.error(.tooManyRequests, 429, "too many requests (simulated)")
            response.headers[.retryAfter] = "1"
            return response
        }
        if await state.fire(.expiredURL, on: .download) {
            return Self.error(.forbidden, 403, "signature expired (simulated)")
        }
        let path = request.uri.path.dropFirst()
        let parts = path.split(separator: "/", maxSplits: 1)
        guard parts.count == 2, parts[0] == services.configuration.bucket else {
            return Self.error(.notFound, 404, "no such bucket")
        }
        let key = String(parts[1])
        let query = FormDecoding.decode(Substring(request.uri.query ?? ""), plusIsSpace: false)
        func value(_ name: String) -> String? { query.first { $0.name == name }?.value }
        guard let publicKey = value("UCloudPublicKey"), let signature = value("Signature"),
              let expiresText = value("Expires") else {
            return Self.error(.unauthorized, 401, "missing UCloudPublicKey, Signature or Expires")
        }
        guard let expires = Int64(expiresText),
              let privateKey = services.configuration.credentials[publicKey] else {
            return Self.error(.unauthorized, 401, "unknown key or malformed Expires")
        }
        let expected = PresignedURLSignature.sign(privateKey: privateKey, bucket: String(parts[0]),
                                                  key: key, expires: expires)
        guard expected.utf8.elementsEqual(signature.utf8) else {
            return Self.error(.unauthorized, 401, "signature does not match")
        }
        guard await services.currentTime() < expires else {
            return Self.error(.forbidden, 403, "signature expired")
        }
        guard var file = await services.store.get(key: key) else {
            return Self.error(.notFound, 404, "no such key")
        }
        if await state.fire(.corruptZip, on: .download) { Self.garble(&file) }
        return await serve(file, range: request.headers[.range])
    }

    private func serve(_ file: [UInt8], range: String?) async -> Response {
        var headers: HTTPFields = [:]
        headers[.contentType] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        headers[.acceptRanges] = "bytes"
        var status = HTTPResponse.Status.ok
        var bounds = 0..<file.count
        if let range, let requested = Self.byteRange(range) {
            guard requested.first < file.count else {
                headers[.contentRange] = "bytes */\(file.count)"
                return Response(status: .rangeNotSatisfiable, headers: headers)
            }
            let last = min(requested.last ?? (file.count - 1), file.count - 1)
            bounds = requested.first..<(last + 1)
            status = .partialContent
            headers[.contentRange] = "bytes \(requested.first)-\(last)/\(file.count)"
        }
        let body = file[bounds]
        if await services.state.fire(.dropMidBody, on: .download) {
            let half = body.prefix(body.count / 2)
            return Response(status: status, headers: headers, body: ResponseBody(contentLength: body.count) { writer in
                try await writer.write(ByteBuffer(bytes: half))
                // Throwing after the head and half the body makes the server close the connection.
                throw ConnectionDropped()
            })
        }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// `bytes=N-` or `bytes=N-M`; nil for anything else, which is then ignored as RFC 9110 allows.
    static func byteRange(_ header: String) -> (first: Int, last: Int?)? {
        guard header.hasPrefix("bytes=") else { return nil }
        let spec = header.dropFirst("bytes=".count)
        guard let dash = spec.firstIndex(of: "-"), let first = Int(spec[..<dash]), first >= 0 else { return nil }
        let lastText = spec[spec.index(after: dash)...]
        if lastText.isEmpty { return (first, nil) }
        guard let last = Int(lastText), last >= first else { return nil }
        return (first, last)
    }

    /// Flips bytes in the middle of the file: the zip's deflate data or CRCs no longer agree.
    static func garble(_ file: inout [UInt8]) {
        let middle = file.count / 2
        for index in middle..<min(file.count, middle + 64) { file[index] ^= 0x5A }
    }

    static func error(_ status: HTTPResponse.Status, _ code: Int, _ message: String) -> Response {
        JSONResponse.make(["RetCode": code, "ErrMsg": message], status: status)
    }
}
