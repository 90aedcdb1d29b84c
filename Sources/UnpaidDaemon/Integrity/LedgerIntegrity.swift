import Foundation
import Ledger

/// `unpaidd verify`: the ledger's own checks and the archive's, as one result and its text.
public struct LedgerIntegrity: Sendable {
    public var ledger: LedgerVerification
    public var archive: ArchiveVerifier.Result

    public var problems: [VerificationProblem] { ledger.problems + archive.problems }
    public var holds: Bool { problems.isEmpty }

    /// Verifies the ledger, then every archived file it recorded (`deep`: read again).
    public static func check(_ ledger: any Ledger, export: ExportSettings, deep: Bool, expectedHead: String?) async throws -> LedgerIntegrity {
        let verification = try await ledger.verify(expectedHead: expectedHead)
        let archive = await ArchiveVerifier(export: export).check(verification.archivedFiles, deep: deep, ledger: ledger)
        return LedgerIntegrity(ledger: verification, archive: archive)
    }

    /// One line per problem, then the summary line people and scripts read.
    public var lines: [String] {
        var lines = problems.map(\.description)
        let removed = archive.removed > 0 ? " (\(archive.removed) removed by retention)" : ""
        let head = ledger.head.map { "head: snapshot \($0.snapshotID) \($0.hash)" } ?? "head: none (no snapshot yet)"
        let expected = ledger.expectedHeadSnapshot.map { "; expected head found at snapshot \($0.rawValue)" } ?? ""
        lines.append("verify: \(holds ? "OK" : "FAILED, \(problems.count) problem\(problems.count == 1 ? "" : "s")"); "
                     + "\(ledger.snapshots) snapshots, \(ledger.orderIntervals) order intervals "
                     + "(\(ledger.currentOrders) orders in the newest snapshots), \(archive.checked) files checked\(removed); "
                     + head + expected)
        return lines
    }
}
