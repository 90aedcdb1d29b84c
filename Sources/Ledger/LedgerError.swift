import Foundation

public enum LedgerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file exists but is not an SQLite database (or is damaged beyond reading).
    case notADatabase(path: String, detail: String)
    /// The database was migrated by a newer build: this one must not write to it.
    case newerSchema(path: String, unknownMigrations: [String])
    case cannotOpen(path: String, detail: String)
    /// A command that only reads (or changes state) found no ledger: it never creates one.
    case missing(path: String)
    /// The ledger lacks migrations of this build and was opened read-only, which cannot
    /// apply them.
    case olderSchema(path: String, missingMigrations: [String])
    case unknownRun(RunID)
    /// Only a running run can be finished or receive snapshots.
    case runNotRunning(RunID, status: RunStatus)
    case finishedAsRunning(RunID)
    case runOfOtherJob(RunID, runJob: String, snapshotJob: String)
    case unknownSnapshot(SnapshotID)
    /// A run records at most one snapshot per organization.
    case snapshotAlreadyRecorded(RunID, job: String, organizationID: Int64)
    case duplicateOrder(orderNo: String, organizationID: Int64, fileName: String)
    case orderOfOtherOrganization(orderNo: String, orderOrganizationID: Int64,
                                  snapshotOrganizationID: Int64, fileName: String)
    case invalidSnapshot(fileName: String, reason: String)
    /// A stored value this build cannot read back; names the table, row and column.
    case corruptValue(table: String, rowID: Int64, column: String, value: String)
    /// `backup` wrote nothing at `destination`; `detail` names the step that failed.
    case backupFailed(destination: String, detail: String)
    /// The replica recording a snapshot no longer holds its organization's work item:
    /// another replica took it over once the lease expired. Nothing was recorded.
    case workItemLost(job: String, organizationID: Int64, scheduledAt: Date, owner: String)

    public var description: String {
        switch self {
        case .notADatabase(let path, let detail):
            "\(path) is not an unpaidd ledger (SQLite says: \(detail)); move it aside or point the ledger path at the right file"
        case .newerSchema(let path, let unknown):
            "\(path) was written by a newer unpaidd (unknown migrations: \(unknown.joined(separator: ", "))); upgrade unpaidd instead of opening it with this build"
        case .cannotOpen(let path, let detail):
            "cannot open the ledger at \(path): \(detail)"
        case .missing(let path):
            "there is no ledger at \(path): check `[storage] database` in the configuration; a ledger is created by the first `unpaidd run` or `unpaidd fetch`"
        case .olderSchema(let path, let missing):
            "\(path) was written by an older unpaidd (migrations not applied yet: \(missing.joined(separator: ", "))) and a query opens it read-only, so it cannot upgrade it: restart the daemon (`systemctl restart unpaidd`) or run `unpaidd run --once`, which upgrade the ledger when they start"
        case .unknownRun(let id):
            "\(id) does not exist in the ledger"
        case .runNotRunning(let id, let status):
            "\(id) is already \(status.rawValue); only a running run can be finished or record snapshots"
        case .finishedAsRunning(let id):
            "\(id) cannot be finished with status running: use succeeded, failed or partial"
        case .runOfOtherJob(let id, let runJob, let snapshotJob):
            "\(id) belongs to job \"\(runJob)\", not to job \"\(snapshotJob)\" of the snapshot"
        case .unknownSnapshot(let id):
            "\(id) does not exist in the ledger"
        case .snapshotAlreadyRecorded(let id, let job, let organizationID):
            "\(id) already recorded a snapshot of job \"\(job)\" for organization \(organizationID)"
        case .duplicateOrder(let orderNo, let organizationID, let fileName):
            "\(fileName): order \(orderNo) of organization \(organizationID) appears more than once; nothing was recorded"
        case .orderOfOtherOrganization(let orderNo, let orderOrg, let snapshotOrg, let fileName):
            "\(fileName): order \(orderNo) belongs to organization \(orderOrg), but the file was fetched for organization \(snapshotOrg); nothing was recorded"
        case .invalidSnapshot(let fileName, let reason):
            "\(fileName): \(reason); nothing was recorded"
        case .corruptValue(let table, let rowID, let column, let value):
            "ledger row \(table) #\(rowID) has an unreadable \(column): \"\(value)\""
        case .backupFailed(let destination, let detail):
            "backup to \(destination) failed, nothing was written there: \(detail)"
        case .workItemLost(let job, let organizationID, let scheduledAt, let owner):
            "organization \(organizationID) of job \"\(job)\" (fire at \(scheduledAt.formatted(.iso8601))): another replica took this organization over after the lease of \(owner) expired, so this file is not recorded a second time; nothing was recorded: the organization is that replica's to record for this fire"
        }
    }
}
