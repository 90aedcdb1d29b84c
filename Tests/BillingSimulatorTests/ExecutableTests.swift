import Foundation
import Testing
import UnpaidCore

/// The `unpaidd-sim` binary as scripts and `make demo` run it.
@Suite("unpaidd-sim executable")
struct ExecutableTests {
    /// SwiftPM puts executables beside the test bundle.
    private static var executable: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("unpaidd-sim")
    }

    @Test func servesUntilSIGTERMAndKeepsSecretsOutOfItsLog() async throws {
        let binary = Self.executable
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "no \(binary.path): build the package first")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("unpaidd-sim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyFile = directory.appendingPathComponent("key"), portFile = directory.appendingPathComponent("port")
        try Data((TestKeys.privateKey + "\n").utf8).write(to: keyFile)

        let process = Process()
        process.executableURL = binary
        process.arguments = ["--port", "0", "--port-file", portFile.path, "--public-key", TestKeys.publicKey,
                             "--private-key-file", keyFile.path, "--now", String(testNow), "--orgs", "2"]
        let log = Pipe()
        process.standardError = log
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        // Waiting for a condition the process signals, with a generous bound, not timing logic.
        var port: Int?
        for _ in 0..<600 where port == nil {
            port = (try? String(contentsOf: portFile, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            if port == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        let bound = try #require(port, "unpaidd-sim did not write its port file")

        var parameters: [(name: String, value: String)] = [
            ("Action", "DownloadListUnpaidOrders"), ("StartTime", String(testNow - 86_400 * 90)),
            ("EndTime", String(testNow)), ("OrganizationIds.0", "100002"), ("PublicKey", TestKeys.publicKey),
        ]
        parameters.append(("Signature", APISignature.sign(parameters, privateKey: TestKeys.privateKey)))
        let envelope = try await HTTP.postForm("http://127.0.0.1:\(bound)/", parameters).json()
        #expect(envelope["RetCode"] as? Int == 0)
        let url = try #require(envelope["DownloadURL"] as? String)
        #expect(try await HTTP.get(url).body.count == envelope["FileSize"] as? Int)
        let signature = try #require(url.split(separator: "Signature=").last?.split(separator: "&").first)

        process.terminate()  // SIGTERM
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
        let output = String(decoding: log.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(output.contains("POST / -> 200"))
        #expect(output.contains("GET /unpaid-exports/"))
        #expect(!output.contains(TestKeys.privateKey))
        #expect(!output.contains(String(signature)))
        #expect(!output.contains("Signature="))
    }
}
