/// The latest link of a ledger's snapshot chain (README: "The snapshot chain"). Copies
/// kept elsewhere (alert payloads, the daemon's log, a note) make removing or rewriting
/// snapshots up to it detectable with `unpaidd verify --expect-head`.
public struct ChainHead: Sendable, Hashable, Codable, CustomStringConvertible {
    public var snapshotID: Int64
    /// Lowercase hex SHA-256.
    public var hash: String

    public init(snapshotID: Int64, hash: String) {
        self.snapshotID = snapshotID
        self.hash = hash
    }

    public var description: String { "snapshot \(snapshotID) \(hash)" }
}
