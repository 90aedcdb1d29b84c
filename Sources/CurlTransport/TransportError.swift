/// Why a transfer failed. No case carries a full URL: presigned query strings are secrets.
public enum TransportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The URL could not be parsed; the payload is already redacted.
    case invalidURL(String)
    /// Plain http was refused for this host.
    case insecureScheme(host: String)
    case hostNotAllowed(String)
    case timeout(TimeoutKind)
    case connection(String)
    /// The server answered with a status that is not a success for this transfer. Its
    /// body is not kept: object stores echo the request, signature included, in errors.
    case httpStatus(code: Int)
    /// The size the API announced (`FileSize`) and the file the server sent disagree:
    /// the transfer itself did not break (a broken one is resumed, not reported so).
    case fileSizeDisagrees(announced: Int64, served: ServedSize)
    /// A resumed transfer did not continue where the previous attempt stopped.
    case resumeMismatch(String)
    /// The spool file could not be created, written or synced.
    case file(String)
    case cancelled

    /// The presigned URL is expired or invalid: ask the issuer for a fresh one.
    public var isURLRejected: Bool {
        if case .httpStatus(let code) = self { return [401, 403, 404].contains(code) }
        return false
    }

    public var description: String {
        switch self {
        case .invalidURL(let url): "invalid URL \(url)"
        case .insecureScheme(let host): "refused plain http to \(host): only https is allowed (plain http only to loopback hosts when explicitly enabled)"
        case .hostNotAllowed(let host): "host \(host) is not on the download allow-list"
        case .timeout(let kind): "the \(kind) timeout expired"
        case .connection(let detail): "connection failed: \(detail)"
        case .httpStatus(let code):
            switch code {
            case 401, 403: "HTTP \(code): the download URL is expired or its signature is invalid"
            case 404: "HTTP 404: the download URL points to nothing"
            default: "HTTP \(code) from the file server"
            }
        case .fileSizeDisagrees(let announced, let served):
            "the API's FileSize (\(announced) bytes) and the file served (\(served)) disagree; the transfer "
                + "itself completed, so nothing was recorded: if it persists, report it to the cloud's support"
        case .resumeMismatch(let detail): "resume failed: \(detail)"
        case .file(let detail): "spool file: \(detail)"
        case .cancelled: "the transfer was cancelled"
        }
    }
}

/// The size of a file as served: exact, or, when the server went on past the size
/// announced without saying its own, only a lower bound.
public enum ServedSize: Sendable, Hashable, CustomStringConvertible {
    case exactly(Int64)
    case moreThan(Int64)

    public var description: String {
        switch self {
        case .exactly(let bytes): "\(bytes) bytes"
        case .moreThan(let bytes): "more than \(bytes) bytes"
        }
    }
}

/// Which of `HTTPTimeouts`' limits fired.
public enum TimeoutKind: String, Sendable, Hashable, CustomStringConvertible {
    /// Name resolution or connection setup took longer than `connect`.
    case connect
    /// The whole transfer took longer than `total`.
    case total
    /// The transfer stayed below `lowSpeedBytesPerSecond` for `lowSpeedTime`.
    case lowSpeed = "low-speed"

    public var description: String { rawValue }
}
