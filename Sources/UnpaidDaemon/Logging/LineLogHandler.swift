import Foundation
import UnpaidCore
import Logging

/// One line per event on stderr: `key=value` text for people, JSON for log shippers.
/// The message and every metadata value pass through `SecretRedactor.shared` first.
/// Under systemd (stderr is the journal) each line starts with a `<N>` syslog priority
/// and carries no timestamp, since the journal records its own.
public struct LineLogHandler: LogHandler {
    public enum Format: String, Sendable, CaseIterable {
        case text, json
    }

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let format: Format
    private let journal: Bool

    public init(label: String, format: Format, level: Logger.Level = .info,
                journal: Bool = LineLogHandler.stderrIsJournal()) {
        self.label = label
        self.format = format
        self.logLevel = level
        self.journal = journal
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let redactor = SecretRedactor.shared
        let message = redactor.redact(event.message.description)
        merged = merged.mapValues { .string(redactor.redact("\($0)")) }
        let line = format == .json ? jsonLine(event.level, message, merged) : textLine(event.level, message, merged)
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    func textLine(_ level: Logger.Level, _ message: String, _ metadata: Logger.Metadata) -> String {
        let fields = metadata.keys.sorted().map { key in "\(key)=\(Self.quoted("\(metadata[key]!)"))" }
        let body = ([level.rawValue, message] + fields).joined(separator: " ")
        return journal ? "<\(Self.priority(level))>\(body)" : "\(Self.timestamp()) \(body)"
    }

    func jsonLine(_ level: Logger.Level, _ message: String, _ metadata: Logger.Metadata) -> String {
        var fields = ["\"ts\":\"\(Self.timestamp())\"", "\"level\":\"\(level.rawValue)\"",
                      "\"msg\":\(JSONText.quoted(message))"]
        for key in metadata.keys.sorted() {
            fields.append("\(JSONText.quoted(key)):\(JSONText.quoted("\(metadata[key]!)"))")
        }
        let object = "{" + fields.joined(separator: ",") + "}"
        return journal ? "<\(Self.priority(level))>\(object)" : object
    }

    static func quoted(_ value: String) -> String {
        guard value.isEmpty || value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline }) else {
            return value
        }
        return JSONText.quoted(value)
    }

    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    static func timestamp() -> String {
        Date().formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true)
            .timeSeparator(.colon).timeZone(separator: .omitted))
    }

    /// systemd sets `JOURNAL_STREAM=dev:inode` to the stream it connected to stderr.
    public static func stderrIsJournal(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard let value = environment["JOURNAL_STREAM"] else { return false }
        let parts = value.split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var info = stat()
        guard fstat(STDERR_FILENO, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }
}
