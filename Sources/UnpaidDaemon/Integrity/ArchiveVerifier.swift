import Crypto
import Foundation
import Ledger
import UnpaidCore
import UnpaidExport

/// The archive half of `unpaidd verify`: every file a snapshot recorded is there with its
/// size and SHA-256, unless retention removed it (then it is counted as removed, which is
/// not a problem); with `deep`, every file read again gives exactly the recorded orders.
public struct ArchiveVerifier: Sendable {
    public struct Result: Sendable {
        public var checked = 0
        public var removed = 0
        public var problems: [VerificationProblem] = []
    }

    let export: ExportSettings

    public init(export: ExportSettings) {
        self.export = export
    }

    public func check(_ files: [ArchivedFile], deep: Bool, ledger: any Ledger) async -> Result {
        var result = Result()
        for file in files {
            if file.removal != nil {
                result.removed += 1
                continue
            }
            result.checked += 1
            if let problem = checkBytes(file) {
                result.problems.append(problem)
            } else if deep {
                result.problems += await reread(file, ledger: ledger)
            }
        }
        return result
    }

    private func checkBytes(_ file: ArchivedFile) -> VerificationProblem? {
        func problem(_ detail: String) -> VerificationProblem {
            VerificationProblem(snapshotID: file.snapshotID, table: "archive", detail: "\(file.path): \(detail)")
        }
        guard let handle = FileHandle(forReadingAtPath: file.path) else {
            return problem("missing (the ledger recorded \(file.size) bytes, SHA-256 \(file.sha256), and no removal by retention)")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        var size: Int64 = 0
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                hasher.update(data: chunk)
                size += Int64(chunk.count)
            }
        } catch {
            return problem("cannot be read: \(error.localizedDescription)")
        }
        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        if size != file.size || digest != file.sha256 {
            return problem("is \(size) bytes with SHA-256 \(digest), but the ledger recorded \(file.size) bytes with SHA-256 \(file.sha256)")
        }
        return nil
    }

    /// Reads the file as the pipeline did and compares its orders with the snapshot's,
    /// in bounded memory: the file's orders are sorted into runs spilled to a temporary
    /// file and walked in order number order beside the ledger's (`IntegrityLedger.compareOrders`).
    private func reread(_ file: ArchivedFile, ledger: any Ledger) async -> [VerificationProblem] {
        func problem(_ detail: String) -> VerificationProblem {
            VerificationProblem(snapshotID: file.snapshotID, table: "order_interval", detail: "\(file.path) read again: \(detail)")
        }
        do {
            let fromFile = try readSortedExport(at: file.path, organizationID: file.organizationID,
                                                spillingTo: FileManager.default.temporaryDirectory.path,
                                                aliases: export.columnAliases, limits: export.readerLimits)
            var problems: [VerificationProblem] = []
            let snapshot = try await ledger.snapshot(file.snapshotID)
            if fromFile.totals != snapshot.totals {
                problems.append(problem("totals \(Self.describe(fromFile.totals)), but the snapshot recorded \(Self.describe(snapshot.totals))"))
            }
            let comparison = try await ledger.compareOrders(at: file.snapshotID, with: fromFile, listingAtMost: Self.differencesListed)
            if comparison.readCount != comparison.recordedCount {
                problems.append(problem("\(comparison.readCount) orders, but the ledger rebuilds \(comparison.recordedCount)"))
            }
            problems += comparison.differences.map { problem($0.description) }
            let unlisted = comparison.differenceCount - comparison.differences.count
            if unlisted > 0 { problems.append(problem("\(unlisted) more differences after these")) }
            return problems
        } catch {
            return [problem("\(error)")]
        }
    }

    /// Differences listed per file: the first ones name the places, the rest are counted.
    static let differencesListed = 10

    private static func describe(_ totals: [String: Total]) -> String {
        totals.isEmpty ? "none" : totals.keys.sorted().map { "\($0) \(totals[$0]!.count) orders \(totals[$0]!.sum)" }.joined(separator: ", ")
    }
}
