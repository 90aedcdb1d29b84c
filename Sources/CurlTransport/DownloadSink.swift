import Crypto
#if canImport(Glibc)
import Glibc
#endif

/// Receives one download's bytes across attempts: writes them to the spool file and
/// feeds the same SHA-256 state, so a resumed transfer hashes exactly the file's bytes.
final class DownloadSink {
    let fd: Int32
    let expectedSize: Int64?
    private(set) var hasher = SHA256()
    private(set) var byteCount: Int64 = 0
    /// Set by a callback that aborted the transfer; it explains the abort better than curl's code.
    private(set) var failure: TransportError?
    private(set) var status = 0
    private var attemptOffset: Int64 = 0
    private var contentRangeStart: Int64?
    /// The whole file's size as this attempt's headers state it (Content-Length of a 200,
    /// the total of a 206's Content-Range).
    private var announcedTotal: Int64?
    private var bodyChecked = false

    init(fd: Int32, expectedSize: Int64?) {
        self.fd = fd
        self.expectedSize = expectedSize
    }

    func beginAttempt() {
        attemptOffset = byteCount
        status = 0
        contentRangeStart = nil
        announcedTotal = nil
        bodyChecked = false
    }

    var isSuccessStatus: Bool { (200..<300).contains(status) }

    func headerLine(_ line: String) {
        let lowered = line.lowercased()
        if line.hasPrefix("HTTP/") {
            let fields = line.split(separator: " ")
            status = fields.count > 1 ? Int(fields[1]) ?? 0 : 0
            contentRangeStart = nil
            announcedTotal = nil
        } else if lowered.hasPrefix("content-range:") {
            // "Content-Range: bytes 500-999/1000"
            let value = line.dropFirst("content-range:".count).drop { $0 == " " }
            if value.hasPrefix("bytes "), let dash = value.firstIndex(of: "-") {
                contentRangeStart = Int64(value[value.index(value.startIndex, offsetBy: 6)..<dash])
            }
            if let slash = value.lastIndex(of: "/") { announcedTotal = Int64(value[value.index(after: slash)...]) }
        } else if lowered.hasPrefix("content-length:"), status == 200 {
            announcedTotal = Int64(String(line.dropFirst("content-length:".count).filter { $0 != " " && $0 != "\t" }))
        }
    }

    /// Returns false to make curl abort the transfer.
    func body(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard isSuccessStatus else {
            // The body of an error is not read: it may echo the signed request.
            failure = .httpStatus(code: status)
            return false
        }
        if !bodyChecked {
            bodyChecked = true
            guard startsWhereExpected() else { return false }
            if let expectedSize, let announcedTotal, announcedTotal != expectedSize {
                failure = .fileSizeDisagrees(announced: expectedSize, served: .exactly(announcedTotal))
                return false
            }
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
            failure = .fileSizeDisagrees(announced: expectedSize, served: .moreThan(expectedSize))
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
