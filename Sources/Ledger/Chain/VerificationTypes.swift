import UnpaidCore

/// One thing `verify` found wrong: where (snapshot, table) and what, with the values.
public struct VerificationProblem: Sendable, Hashable, CustomStringConvertible {
    /// The snapshot the problem belongs to, when it belongs to one.
    public var snapshotID: SnapshotID?
    /// The ledger table (or `archive` for files) holding the wrong value.
    public var table: String
    public var detail: String

    public init(snapshotID: SnapshotID?, table: String, detail: String) {
        self.snapshotID = snapshotID
        self.table = table
        self.detail = detail
    }

    public var description: String {
        (snapshotID.map { "snapshot \($0.rawValue), " } ?? "") + "\(table): \(detail)"
    }
}

/// What `Ledger.verify` read and found.
public struct LedgerVerification: Sendable {
    public var snapshots = 0
    public var orderIntervals = 0
    /// Orders in the newest snapshot of each series.
    public var currentOrders = 0
    public var head: ChainHead?
    /// The snapshot whose chain hash is the expected head, when one was given and found.
    public var expectedHeadSnapshot: SnapshotID?
    /// Every archived file the ledger knows, for the file checks done outside it.
    public var archivedFiles: [ArchivedFile] = []
    public var problems: [VerificationProblem] = []

    public var holds: Bool { problems.isEmpty }
}

/// An archived export as its snapshot recorded it.
public struct ArchivedFile: Sendable, Hashable {
    public var snapshotID: SnapshotID
    public var organizationID: Int64
    public var path: String
    public var size: Int64
    /// Lowercase hex SHA-256.
    public var sha256: String
    /// Set when retention removed the file on purpose.
    public var removal: ArchiveRemoval?
}

public struct ArchiveRemoval: Sendable, Hashable {
    public var removedAtMilliseconds: Int64
    public var reason: String
}
