import CCurl
import CCurlShim

/// The libcurl implementation of `HTTPTransport`: one easy handle per exchange, run on
/// a worker thread. Used for API calls and webhooks; large files go through `CurlDownloader`.
public struct CurlHTTPTransport: HTTPTransport {
    /// Responses larger than this are cut off with an error rather than filling memory.
    public var maxResponseBytes: Int

    public init(maxResponseBytes: Int = 16 << 20) {
        self.maxResponseBytes = maxResponseBytes
    }

    public func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
        let limit = maxResponseBytes
        let outcome: Result<HTTPResponse, TransportError> = await CurlWorker.run { flag in
            Result { () throws(TransportError) in try Self.perform(request, limit: limit, flag: flag) }
        }
        return try outcome.get()
    }

    private static func perform(_ request: HTTPRequest, limit: Int, flag: CancellationFlag) throws(TransportError) -> HTTPResponse {
        let easy = try CurlEasy()
        let collector = ResponseCollector(limit: limit)
        easy.configure(request, allowedProtocols: "http,https")
        easy.installCancellation(flag)
        let context = Unmanaged.passUnretained(collector).toOpaque()
        easy.set(CURLOPT_HEADERDATA, pointer: context)
        _ = ccurl_setopt_write_callback(easy.handle, CURLOPT_HEADERFUNCTION) { data, size, count, context in
            let collector = Unmanaged<ResponseCollector>.fromOpaque(context!).takeUnretainedValue()
            collector.headerLine(UnsafeRawBufferPointer(start: data, count: size * count))
            return size * count
        }
        easy.set(CURLOPT_WRITEDATA, pointer: context)
        _ = ccurl_setopt_write_callback(easy.handle, CURLOPT_WRITEFUNCTION) { data, size, count, context in
            let collector = Unmanaged<ResponseCollector>.fromOpaque(context!).takeUnretainedValue()
            // Returning a short count makes curl abort with CURLE_WRITE_ERROR.
            return collector.append(UnsafeRawBufferPointer(start: data, count: size * count)) ? size * count : 0
        }
        let code = withExtendedLifetime(collector) { easy.perform() }
        if collector.overflowed {
            throw .connection("the response exceeded \(limit) bytes")
        }
        guard code == CURLE_OK else { throw easy.error(for: code, cancelled: flag.isCancelled) }
        return HTTPResponse(status: easy.responseCode, headers: collector.headers, body: collector.body)
    }
}

/// Accumulates the headers of the final response and its body.
final class ResponseCollector {
    private(set) var headers = HTTPHeaders()
    private(set) var body: [UInt8] = []
    private(set) var overflowed = false
    private let limit: Int

    init(limit: Int) { self.limit = limit }

    func headerLine(_ bytes: UnsafeRawBufferPointer) {
        let line = String(decoding: bytes, as: UTF8.self).trimmingSuffix()
        if line.hasPrefix("HTTP/") {
            // A new status line: an interim (1xx) response came first; keep only the last.
            headers = HTTPHeaders()
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = String(line[..<colon])
        let value = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
        headers.add(name: name, value: String(value))
    }

    func append(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard body.count + bytes.count <= limit else {
            overflowed = true
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }
}

extension String {
    func trimmingSuffix() -> String {
        var scalars = Substring(self)
        while let last = scalars.last, last.isNewline || last == " " { scalars.removeLast() }
        return String(scalars)
    }
}
