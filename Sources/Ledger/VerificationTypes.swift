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

    package init(head: ChainHead? = nil, expectedHeadSnapshot: SnapshotID? = nil,
                 archivedFiles: [ArchivedFile] = [], problems: [VerificationProblem] = []) {
        self.head = head
        self.expectedHeadSnapshot = expectedHeadSnapshot
        self.archivedFiles = archivedFiles
        self.problems = problems
    }

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

    package init(snapshotID: SnapshotID, organizationID: Int64, path: String, size: Int64, sha256: String,
                 removal: ArchiveRemoval? = nil) {
        self.snapshotID = snapshotID
        self.organizationID = organizationID
        self.path = path
        self.size = size
        self.sha256 = sha256
        self.removal = removal
    }
}

public struct ArchiveRemoval: Sendable, Hashable {
    public var removedAtMilliseconds: Int64
    public var reason: String

    package init(removedAtMilliseconds: Int64, reason: String) {
        self.removedAtMilliseconds = removedAtMilliseconds
        self.reason = reason
    }
}

/// One way a snapshot's file, read again, differs from what the ledger recorded of it.
public struct OrderDifference: Sendable, Hashable, CustomStringConvertible {
    /// `order` when the order is on one side only; otherwise the field that differs:
    /// `currency`, `amount`, `start_time`, `product_code`, `resource_id` or `model_id`.
    public var field: String
    public var orderNo: String
    /// The value as the ledger has it; nil for NULL, or for no such order.
    public var recorded: String?
    /// The value as the file says it; nil for an empty cell, or for no such order.
    public var read: String?

    package init(field: String, orderNo: String, recorded: String? = nil, read: String? = nil) {
        self.field = field
        self.orderNo = orderNo
        self.recorded = recorded
        self.read = read
    }

    public var description: String {
        guard field == "order" else {
            return "order \(orderNo): \(field) is \(Self.show(read)) in the file, \(Self.show(recorded)) in the ledger"
        }
        return recorded == nil ? "order \(orderNo) is in the file but not in the ledger"
            : "order \(orderNo) is in the ledger but not in the file"
    }

    private static func show(_ value: String?) -> String { value.map { "\"\($0)\"" } ?? "absent" }
}

/// What `Ledger.compareOrders` found.
public struct OrderComparison: Sendable {
    /// Orders the ledger rebuilds for the snapshot, and orders the file holds.
    public var recordedCount = 0
    public var readCount = 0
    /// The first differences in order number order, as many as were asked for.
    public var differences: [OrderDifference] = []

    package init(differences: [OrderDifference] = []) {
        self.differences = differences
    }
    /// Every difference, including those beyond the ones listed.
    public var differenceCount = 0

    public var matches: Bool { differenceCount == 0 }
}
