import CCurl
import CCurlShim
#if canImport(Glibc)
import Glibc
#endif

/// A finished download, synced to disk in the spool directory. The caller owns the file.
public struct DownloadedFile: Sendable, Hashable {
    public var path: String
    public var byteCount: Int64
    public var sha256Hex: String

    public init(path: String, byteCount: Int64, sha256Hex: String) {
        self.path = path
        self.byteCount = byteCount
        self.sha256Hex = sha256Hex
    }
}

/// Fetches one URL into a file. `CurlDownloader` is the real one.
public protocol FileDownloader: Sendable {
    /// - Parameter expectedSize: when given, any other final byte count is an error.
    func download(_ url: String, expectedSize: Int64?) async throws(TransportError) -> DownloadedFile
}

/// Streams a (presigned) URL to a spool file, hashing as it goes and resuming a dropped
/// transfer with a `Range` request. Any failure leaves no file behind.
public struct CurlDownloader: FileDownloader {
    public var spoolDirectory: String
    public var policy: DownloadPolicy
    /// `total` bounds the whole download, resumes included.
    public var timeouts: HTTPTimeouts
    /// How many times a dropped transfer is resumed before giving up.
    public var maxResumes: Int

    public init(spoolDirectory: String, policy: DownloadPolicy = DownloadPolicy(),
                timeouts: HTTPTimeouts = HTTPTimeouts(), maxResumes: Int = 3) {
        self.spoolDirectory = spoolDirectory
        self.policy = policy
        self.timeouts = timeouts
        self.maxResumes = maxResumes
    }

    public func download(_ url: String, expectedSize: Int64?) async throws(TransportError) -> DownloadedFile {
        _ = try policy.check(url)
        let job = self
        let outcome: Result<DownloadedFile, TransportError> = await CurlWorker.run { flag in
            Result { () throws(TransportError) in try job.transfer(url, expectedSize: expectedSize, flag: flag) }
        }
        return try outcome.get()
    }

    private func transfer(_ url: String, expectedSize: Int64?, flag: CancellationFlag) throws(TransportError) -> DownloadedFile {
        var template = Array("\(spoolDirectory)/download-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else {
            throw .file("cannot create a file in \(spoolDirectory): \(String(cString: strerror(errno)))")
        }
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        do throws(TransportError) {
            defer { close(fd) }
            let sink = DownloadSink(fd: fd, expectedSize: expectedSize)
            try fetch(url, into: sink, flag: flag)
            if let expectedSize, sink.byteCount != expectedSize {
                throw .fileSizeDisagrees(announced: expectedSize, served: .exactly(sink.byteCount))
            }
            guard fsync(fd) == 0 else { throw .file("fsync failed: \(String(cString: strerror(errno)))") }
            syncDirectory()
            return DownloadedFile(path: path, byteCount: sink.byteCount, sha256Hex: sink.sha256Hex)
        } catch {
            unlink(path)
            throw error
        }
    }

    private func fetch(_ url: String, into sink: DownloadSink, flag: CancellationFlag) throws(TransportError) {
        let clock = ContinuousClock()
        let deadline = clock.now + timeouts.total
        var resumes = 0
        while true {
            sink.beginAttempt()
            var attemptTimeouts = timeouts
            attemptTimeouts.total = deadline - clock.now
            guard attemptTimeouts.total > .zero else { throw .timeout(.total) }
            var request = HTTPRequest(url: url, timeouts: attemptTimeouts)
            if sink.byteCount > 0 { request.headers.add(name: "Range", value: "bytes=\(sink.byteCount)-") }

            let easy = try CurlEasy()
            easy.configure(request, allowedProtocols: policy.allowsInsecureLoopback ? "http,https" : "https")
            easy.installCancellation(flag)
            let context = Unmanaged.passUnretained(sink).toOpaque()
            easy.set(CURLOPT_HEADERDATA, pointer: context)
            _ = ccurl_setopt_write_callback(easy.handle, CURLOPT_HEADERFUNCTION) { data, size, count, context in
                let sink = Unmanaged<DownloadSink>.fromOpaque(context!).takeUnretainedValue()
                sink.headerLine(String(decoding: UnsafeRawBufferPointer(start: data, count: size * count), as: UTF8.self).trimmingSuffix())
                return size * count
            }
            easy.set(CURLOPT_WRITEDATA, pointer: context)
            _ = ccurl_setopt_write_callback(easy.handle, CURLOPT_WRITEFUNCTION) { data, size, count, context in
                let sink = Unmanaged<DownloadSink>.fromOpaque(context!).takeUnretainedValue()
                return sink.body(UnsafeRawBufferPointer(start: data, count: size * count)) ? size * count : 0
            }
            let code = withExtendedLifetime(sink) { easy.perform() }

            if let failure = sink.failure { throw failure }
            if code == CURLE_OK {
                guard sink.isSuccessStatus else { throw .httpStatus(code: sink.status) }
                return
            }
            // Status 0: the connection broke before any response; trying again is as safe.
            let statusAllowsResume = sink.status == 0 || sink.isSuccessStatus
            guard Self.isResumable(code), statusAllowsResume, resumes < maxResumes, !flag.isCancelled else {
                throw easy.error(for: code, cancelled: flag.isCancelled)
            }
            resumes += 1
        }
    }

    /// The connection broke: the bytes written so far are good, continue after them.
    private static func isResumable(_ code: CURLcode) -> Bool {
        [CURLE_PARTIAL_FILE, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_SEND_ERROR,
         CURLE_HTTP2, CURLE_HTTP2_STREAM].contains(code)
    }

    /// The file's directory entry must survive a crash too.
    private func syncDirectory() {
        let directory = open(spoolDirectory, O_RDONLY | O_DIRECTORY)
        guard directory >= 0 else { return }
        _ = fsync(directory)
        close(directory)
    }
}
