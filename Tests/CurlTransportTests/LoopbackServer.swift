import Foundation
import Synchronization
import Hummingbird
import LoopbackTestSupport
import Logging

/// A fresh empty directory, removed by the caller.
func makeSpoolDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("curl-transport-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func spoolContents(_ path: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: path)
}

/// Deterministic, non-repeating-looking bytes, so a misplaced resume changes the hash.
func patternBytes(count: Int) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 13) }
}

/// Thread-safe log of what the server saw.
final class Recorder: Sendable {
    private let lines = Mutex<[String]>([])
    func record(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}
