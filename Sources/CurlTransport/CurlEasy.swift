import CCurl
import CCurlShim
import Dispatch
import Synchronization

/// `curl_global_init` is not thread-safe and must run once before any handle exists.
enum CurlGlobal {
    static let initialized: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
}

/// Set from a Swift task, read by curl's progress callback on the transfer thread.
final class CancellationFlag: Sendable {
    private let cancelled = Atomic<Bool>(false)
    func cancel() { cancelled.store(true, ordering: .relaxed) }
    var isCancelled: Bool { cancelled.load(ordering: .relaxed) }
}

/// Owns one curl easy handle and the header list attached to it; both are freed
/// when the owner goes away. Lives on a single transfer thread, never shared.
final class CurlEasy {
    let handle: UnsafeMutableRawPointer
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))

    init() throws(TransportError) {
        guard CurlGlobal.initialized, let handle = curl_easy_init() else {
            throw .connection("libcurl could not be initialised")
        }
        self.handle = handle
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
        // Signals would interrupt the whole daemon on DNS timeouts; threads are safe without them.
        set(CURLOPT_NOSIGNAL, 1)
    }

    deinit {
        curl_easy_cleanup(handle)
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    func set(_ option: CURLoption, _ value: Int) { _ = ccurl_setopt_long(handle, option, value) }
    func set(_ option: CURLoption, _ value: Int64) { _ = ccurl_setopt_off_t(handle, option, curl_off_t(value)) }
    func set(_ option: CURLoption, _ value: String) { _ = ccurl_setopt_string(handle, option, value) }
    func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) {
        _ = ccurl_setopt_pointer(handle, option, pointer)
    }

    func setHeaders(_ headers: HTTPHeaders) {
        for field in headers {
            // "Name:" with nothing after the colon tells curl to drop a header it would add.
            let line = field.value.isEmpty ? "\(field.name):" : "\(field.name): \(field.value)"
            headerList = curl_slist_append(headerList, line)
        }
        set(CURLOPT_HTTPHEADER, pointer: UnsafeMutableRawPointer(headerList))
    }

    /// Applies method, body and limits shared by every transfer.
    func configure(_ request: HTTPRequest, allowedProtocols: String) {
        set(CURLOPT_URL, request.url)
        set(CURLOPT_PROTOCOLS_STR, allowedProtocols)
        set(CURLOPT_FOLLOWLOCATION, 0)
        set(CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(request.timeouts.connect))
        set(CURLOPT_TIMEOUT_MS, Self.milliseconds(request.timeouts.total))
        set(CURLOPT_LOW_SPEED_LIMIT, request.timeouts.lowSpeedBytesPerSecond)
        let (seconds, attoseconds) = request.timeouts.lowSpeedTime.components
        set(CURLOPT_LOW_SPEED_TIME, max(1, Int(seconds) + (attoseconds > 0 ? 1 : 0)))
        switch request.method.uppercased() {
        case "GET": set(CURLOPT_HTTPGET, 1)
        case "HEAD": set(CURLOPT_NOBODY, 1)
        case let method:
            set(CURLOPT_CUSTOMREQUEST, method)
        }
        if !request.body.isEmpty || request.method.uppercased() == "POST" {
            set(CURLOPT_POSTFIELDSIZE_LARGE, Int64(request.body.count))
            if request.body.isEmpty {
                set(CURLOPT_COPYPOSTFIELDS, "")
            } else {
                request.body.withUnsafeBytes { bytes in
                    // COPYPOSTFIELDS copies now, so the Swift array need not outlive this call.
                    set(CURLOPT_COPYPOSTFIELDS, pointer: UnsafeMutableRawPointer(mutating: bytes.baseAddress))
                }
            }
            if request.method.uppercased() != "POST" { set(CURLOPT_CUSTOMREQUEST, request.method) }
        }
        var headers = request.headers
        // curl would otherwise wait a second for "100 Continue" on larger bodies.
        headers.add(name: "Expect", value: "")
        setHeaders(headers)
    }

    func installCancellation(_ flag: CancellationFlag) {
        set(CURLOPT_NOPROGRESS, 0)
        set(CURLOPT_XFERINFODATA, pointer: Unmanaged.passUnretained(flag).toOpaque())
        _ = ccurl_setopt_xferinfo_callback(handle) { context, _, _, _, _ in
            guard let context else { return 0 }
            let flag = Unmanaged<CancellationFlag>.fromOpaque(context).takeUnretainedValue()
            return flag.isCancelled ? 1 : 0
        }
    }

    func perform() -> CURLcode { curl_easy_perform(handle) }

    var responseCode: Int {
        var code = 0
        _ = ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code)
        return code
    }

    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }

    /// Maps a failed perform to the typed error. curl's detailed message (which never
    /// contains the query string) tells the three timeouts apart.
    func error(for code: CURLcode, cancelled: Bool) -> TransportError {
        if cancelled || code == CURLE_ABORTED_BY_CALLBACK { return .cancelled }
        let detail = errorBuffer[0] == 0 ? String(cString: curl_easy_strerror(code)) : String(cString: errorBuffer)
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            if detail.contains("too slow") { return .timeout(.lowSpeed) }
            let lowered = detail.lowercased()
            if lowered.contains("connect") || lowered.contains("resolv") { return .timeout(.connect) }
            return .timeout(.total)
        default:
            return .connection("\(detail) (curl error \(code.rawValue))")
        }
    }
}

/// Runs blocking curl calls on threads outside Swift's cooperative pool, so a slow
/// download never starves the tasks that schedule jobs.
enum CurlWorker {
    private static let queue = DispatchQueue(label: "unpaidd.curl", qos: .utility, attributes: .concurrent)

    static func run<Result: Sendable>(_ body: @escaping @Sendable (CancellationFlag) -> Result) async -> Result {
        let flag = CancellationFlag()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                queue.async { continuation.resume(returning: body(flag)) }
            }
        } onCancel: {
            flag.cancel()
        }
    }
}
