import Crypto
#if canImport(Glibc)
import Glibc
#endif

/// Receives one download's bytes across attempts: writes them to the spool file and
/// feeds the same SHA-256 state, so a resumed transfer hashes exactly the file's bytes.
final class DownloadSink {
    private static let snippetLimit = 512

    let fd: Int32
    let expectedSize: Int64?
    private(set) var hasher = SHA256()
    private(set) var byteCount: Int64 = 0
    /// Set by a callback that aborted the transfer; it explains the abort better than curl's code.
    private(set) var failure: TransportError?
    private(set) var status = 0
    private var attemptOffset: Int64 = 0
    private var contentRangeStart: Int64?
    private var bodyChecked = false
    private var errorSnippet: [UInt8] = []

    init(fd: Int32, expectedSize: Int64?) {
        self.fd = fd
        self.expectedSize = expectedSize
    }

    func beginAttempt() {
        attemptOffset = byteCount
        status = 0
        contentRangeStart = nil
        bodyChecked = false
        errorSnippet = []
    }

    var isSuccessStatus: Bool { (200..<300).contains(status) }
    var snippet: String { String(decoding: errorSnippet, as: UTF8.self) }

    func headerLine(_ line: String) {
        if line.hasPrefix("HTTP/") {
            let fields = line.split(separator: " ")
            status = fields.count > 1 ? Int(fields[1]) ?? 0 : 0
            contentRangeStart = nil
        } else if line.lowercased().hasPrefix("content-range:") {
            // "Content-Range: bytes 500-999/1000"
            let value = line.dropFirst("content-range:".count).drop { $0 == " " }
            if value.hasPrefix("bytes "), let dash = value.firstIndex(of: "-") {
                contentRangeStart = Int64(value[value.index(value.startIndex, offsetBy: 6)..<dash])
            }
        }
    }

    /// Returns false to make curl abort the transfer.
    func body(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard isSuccessStatus else {
            errorSnippet.append(contentsOf: bytes.prefix(Self.snippetLimit - errorSnippet.count))
            if errorSnippet.count >= Self.snippetLimit {
                failure = .httpStatus(code: status, bodySnippet: snippet)
                return false
            }
            return true
        }
        if !bodyChecked {
            bodyChecked = true
            guard startsWhereExpected() else { return false }
        }
        var remaining = bytes
        while !remaining.isEmpty {
            let written = write(fd, remaining.baseAddress, remaining.count)
            if written < 0 {
                if errno == EINTR { continue }
                failure = .file("write failed: \(String(cString: strerror(errno)))")
                return false
            }
            remaining = UnsafeRawBufferPointer(rebasing: remaining[written...])
        }
        hasher.update(bufferPointer: bytes)
        byteCount += Int64(bytes.count)
        if let expectedSize, byteCount > expectedSize {
            failure = .sizeMismatch(expected: expectedSize, got: byteCount)
            return false
        }
        return true
    }

    /// A resumed attempt must continue at the byte where the previous one stopped; a
    /// server that ignores the range sends the whole file again, so start over.
    private func startsWhereExpected() -> Bool {
        if status == 206 {
            guard contentRangeStart == attemptOffset else {
                let seen = contentRangeStart.map(String.init) ?? "no Content-Range"
                failure = .resumeMismatch("asked for bytes from \(attemptOffset), the server sent from \(seen)")
                return false
            }
            return true
        }
        if attemptOffset > 0 {
            guard ftruncate(fd, 0) == 0, lseek(fd, 0, SEEK_SET) == 0 else {
                failure = .file("could not restart the download: \(String(cString: strerror(errno)))")
                return false
            }
            hasher = SHA256()
            byteCount = 0
            attemptOffset = 0
        }
        return true
    }

    var sha256Hex: String {
        hasher.finalize().map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
