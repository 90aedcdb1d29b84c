import Crypto
import CurlTransport
import Foundation
import Hummingbird
import LoopbackTestSupport
import Testing

@Suite struct DownloaderTests {
    static let loopbackPolicy = DownloadPolicy(allowedHostSuffixes: ["127.0.0.1"], allowsInsecureLoopback: true)

    func downloader(_ spool: String, maxResumes: Int = 3) -> CurlDownloader {
        CurlDownloader(spoolDirectory: spool, policy: Self.loopbackPolicy,
                       timeouts: HTTPTimeouts(total: .seconds(20)), maxResumes: maxResumes)
    }

    @Test func downloadsWithKnownSHA256() async throws {
        let spool = try makeSpoolDirectory()
        defer { try? FileManager.default.removeItem(atPath: spool) }
        let router = Router()
        // FIPS 180-2 test vector: one million "a".
        router.get("/a") { _, _ in
            Response(status: .ok, body: .init(byteBuffer: ByteBuffer(repeating: UInt8(ascii: "a"), count: 1_000_000)))
        }
        let file = try await withLoopbackServer(router) { port in
            try await downloader(spool).download("http://127.0.0.1:\(port)/a?Signature=s3cr3t", expectedSize: 1_000_000)
        }
        #expect(file.sha256Hex == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        #expect(file.byteCount == 1_000_000)
        #expect(file.path.hasPrefix(spool + "/"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: file.path)).count == 1_000_000)
    }

    /// First attempt: Content-Length N but the connection closes after N/2 bytes.
    /// The downloader must resume from N/2 and hash the file as one stream.
    @Test func resumesADroppedTransferWithRange() async throws {
        let spool = try makeSpoolDirectory()
        defer { try? FileManager.default.removeItem(atPath: spool) }
        let content = patternBytes(count: 400_000)
        let recorder = Recorder()
        let router = Router()
        router.get("/export") { request, _ -> Response in
            let range = request.headers[.range]
            recorder.record(range ?? "no range")
            guard let range, range.hasPrefix("bytes="), let start = Int(range.dropFirst(6).dropLast()) else {
                return Response(status: .ok, body: ResponseBody(contentLength: content.count) { writer in
                    try await writer.write(ByteBuffer(bytes: content[..<(content.count / 2)]))
                    throw CancellationError()
                })
            }
            var headers = HTTPFields()
            headers[.contentRange] = "bytes \(start)-\(content.count - 1)/\(content.count)"
            return Response(status: .partialContent, headers: headers,
                            body: .init(byteBuffer: ByteBuffer(bytes: content[start...])))
        }
        let file = try await withLoopbackServer(router) { port in
            try await downloader(spool).download("http://127.0.0.1:\(port)/export", expectedSize: Int64(content.count))
        }
        #expect(recorder.all == ["no range", "bytes=\(content.count / 2)-"])
        #expect(file.byteCount == Int64(content.count))
        #expect(file.sha256Hex == SHA256.hash(data: content).map { String(format: "%02x", $0) }.joined())
        #expect(try Array(Data(contentsOf: URL(fileURLWithPath: file.path))) == content)
    }

    @Test func resumeAtTheWrongOffsetFailsAndLeavesNoFile() async throws {
        let spool = try makeSpoolDirectory()
        defer { try? FileManager.default.removeItem(atPath: spool) }
        let content = patternBytes(count: 200_000)
        let router = Router()
        router.get("/export") { request, _ -> Response in
            if request.headers[.range] == nil {
                return Response(status: .ok, body: ResponseBody(contentLength: content.count) { writer in
                    try await writer.write(ByteBuffer(bytes: content[..<1000]))
                    throw CancellationError()
                })
            }
            var headers = HTTPFields()
            headers[.contentRange] = "bytes 0-\(content.count - 1)/\(content.count)"
            return Response(status: .partialContent, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: content)))
        }
        let error = try await withLoopbackServer(router) { port in
            await #expect(throws: TransportError.self) {
                try await downloader(spool).download("http://127.0.0.1:\(port)/export", expectedSize: nil)
            }
        }
        guard case .resumeMismatch = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(try spoolContents(spool).isEmpty)
    }

    @Test func sizeMismatchIsReportedAndTheFileRemoved() async throws {
        let spool = try makeSpoolDirectory()
        defer { try? FileManager.default.removeItem(atPath: spool) }
        let router = Router()
        router.get("/short") { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "twelve bytes"))) }
        let (short, long) = try await withLoopbackServer(router) { port in
            let url = "http://127.0.0.1:\(port)/short"
            let short = await #expect(throws: TransportError.self) {
                try await downloader(spool).download(url, expectedSize: 20)
            }
            let long = await #expect(throws: TransportError.self) {
                try await downloader(spool).download(url, expectedSize: 5)
            }
            return (short, long)
        }
        #expect(short == .fileSizeDisagrees(announced: 20, served: .exactly(12)))
        #expect(long == .fileSizeDisagrees(announced: 5, served: .exactly(12)))
        // Not a cut download: the transfer completed, the API's number is what disagrees.
        #expect(short?.description.hasPrefix("the API's FileSize (20 bytes) and the file served (12 bytes) disagree") == true)
        #expect(try spoolContents(spool).isEmpty)
    }

    @Test func forbiddenIsAURLRejection() async throws {
        let spool = try makeSpoolDirectory()
        defer { try? FileManager.default.removeItem(atPath: spool) }
        let router = Router()
        router.get("/expired") { _, _ in
            // Object stores echo the signed request in their errors.
            Response(status: .forbidden, body: .init(byteBuffer: ByteBuffer(
                string: #"<Error><Code>SignatureDoesNotMatch</Code><SignatureProvided>abc</SignatureProvided></Error>"#)))
        }
        let error = try await withLoopbackServer(router) { port in
            await #expect(throws: TransportError.self) {
                try await downloader(spool).download("http://127.0.0.1:\(port)/expired?Signature=abc", expectedSize: nil)
            }
        }
        #expect(error == .httpStatus(code: 403))
        #expect(error?.description == "HTTP 403: the download URL is expired or its signature is invalid")
        #expect(error?.isURLRejected == true)
        #expect(try spoolContents(spool).isEmpty)
    }
}

@Suite struct DownloaderRecoveryTests {
    /// A server that ignores `Range` sends the whole file again with 200: the partial
    /// file and the hash must start over rather than append.
    @Test func serverIgnoringRangeRestartsFromZero() async throws {
        let spool = try makeSpoolDirectory()
        defer { try? FileManager.default.removeItem(atPath: spool) }
        let content = patternBytes(count: 300_000)
        let recorder = Recorder()
        let router = Router()
        router.get("/export") { request, _ -> Response in
            recorder.record(request.headers[.range] ?? "no range")
            if recorder.all.count == 1 {
                return Response(status: .ok, body: ResponseBody(contentLength: content.count) { writer in
                    try await writer.write(ByteBuffer(bytes: content[..<100_000]))
                    throw CancellationError()
                })
            }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: content)))
        }
        let file = try await withLoopbackServer(router) { port in
            try await CurlDownloader(spoolDirectory: spool, policy: DownloaderTests.loopbackPolicy)
                .download("http://127.0.0.1:\(port)/export", expectedSize: Int64(content.count))
        }
        #expect(recorder.all == ["no range", "bytes=100000-"])
        #expect(file.sha256Hex == SHA256.hash(data: content).map { String(format: "%02x", $0) }.joined())
        #expect(try Array(Data(contentsOf: URL(fileURLWithPath: file.path))) == content)
    }

    @Test func resumesAreBounded() async throws {
        let spool = try makeSpoolDirectory()
        defer { try? FileManager.default.removeItem(atPath: spool) }
        let recorder = Recorder()
        let router = Router()
        router.get("/flaky") { request, _ -> Response in
            recorder.record(request.headers[.range] ?? "no range")
            // Every attempt delivers 10 more bytes, then drops the connection.
            let start = recorder.all.count * 10 - 10
            var headers = HTTPFields()
            if start > 0 { headers[.contentRange] = "bytes \(start)-999/1000" }
            return Response(status: start > 0 ? .partialContent : .ok, headers: headers,
                            body: ResponseBody(contentLength: 1000 - start) { writer in
                                try await writer.write(ByteBuffer(repeating: 1, count: 10))
                                throw CancellationError()
                            })
        }
        let error = try await withLoopbackServer(router) { port in
            await #expect(throws: TransportError.self) {
                try await CurlDownloader(spoolDirectory: spool, policy: DownloaderTests.loopbackPolicy, maxResumes: 2)
                    .download("http://127.0.0.1:\(port)/flaky", expectedSize: 1000)
            }
        }
        guard case .connection = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(recorder.all == ["no range", "bytes=10-", "bytes=20-"])
        #expect(try spoolContents(spool).isEmpty)
    }

    @Test func cancellingTheTaskStopsTheTransferAndRemovesTheFile() async throws {
        let spool = try makeSpoolDirectory()
        defer { try? FileManager.default.removeItem(atPath: spool) }
        let (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
        let router = Router()
        router.get("/stall") { _, _ in
            Response(status: .ok, body: ResponseBody(contentLength: 1_000_000) { writer in
                try await writer.write(ByteBuffer(repeating: 0, count: 1000))
                startedContinuation.yield()
                // Held open until the server shuts down at the end of the test.
                try await Task.sleep(for: .seconds(30))
            })
        }
        let clock = ContinuousClock()
        let (error, cancelToReturn) = try await withLoopbackServer(router) { port in
            let download = Task {
                try await CurlDownloader(spoolDirectory: spool, policy: DownloaderTests.loopbackPolicy)
                    .download("http://127.0.0.1:\(port)/stall", expectedSize: nil)
            }
            var iterator = started.makeAsyncIterator()
            await iterator.next()
            let cancelledAt = clock.now
            download.cancel()
            let error = await #expect(throws: TransportError.self) { try await download.value }
            return (error, clock.now - cancelledAt)
        }
        #expect(error == .cancelled)
        // The server holds the body for 30 s: returning well before that proves the cancel
        // stopped the transfer. Only cancel-to-return is timed, not the servers' start and stop.
        #expect(cancelToReturn < .seconds(20))
        #expect(try spoolContents(spool).isEmpty)
    }
}
