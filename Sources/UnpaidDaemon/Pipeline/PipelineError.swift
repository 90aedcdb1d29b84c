/// Why one organization's snapshot was not recorded, with the stage that failed so an
/// operator knows whether to look at credentials, the network, the file or the disk.
public struct PipelineError: Error, Sendable, CustomStringConvertible {
    public enum Stage: String, Sendable {
        case fetch, parse, archive, ledger
    }

    public let organizationID: Int64
    public let stage: Stage
    public let message: String
    /// Where a file that could not be read was kept, for support.
    public let rejectedFile: String?

    public init(organizationID: Int64, stage: Stage, message: String, rejectedFile: String? = nil) {
        self.organizationID = organizationID
        self.stage = stage
        self.message = message
        self.rejectedFile = rejectedFile
    }

    public var description: String {
        let kept = rejectedFile.flatMap { message.contains($0) ? nil : " (file kept as \($0))" } ?? ""
        return "organization \(organizationID): \(stage.rawValue): \(message)\(kept)"
    }
}
