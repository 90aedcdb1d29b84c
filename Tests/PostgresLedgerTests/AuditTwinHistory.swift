import Foundation
import Ledger
import Testing

/// The histories every audit query is compared on: the written-out edges and two random ones.
enum AuditTwinHistory: String, CaseIterable, CustomTestStringConvertible {
    case edges, random11, random12

    var testDescription: String { rawValue }

    func record(on ledger: any Ledger) async throws -> QueryHistory {
        switch self {
        case .edges: try await AuditEdgeHistory.record(on: ledger)
        case .random11: try await QueryHistory.record(seed: 11, on: ledger)
        case .random12: try await QueryHistory.record(seed: 12, on: ledger)
        }
    }

    /// The moments to ask about in `history`: its own, plus before the first and long after the last.
    func moments(of history: QueryHistory) -> [Date] {
        switch self {
        case .edges: AuditEdgeHistory.moments
        case .random11, .random12:
            [QueryHistory.base.addingTimeInterval(-60)] + history.moments
                + [history.moments.last!.addingTimeInterval(45), QueryHistory.base.addingTimeInterval(40 * 86_400)]
        }
    }
}
