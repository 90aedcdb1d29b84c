import Foundation
import Testing

/// The histories every audit query is compared on: the written-out edges and two random ones.
enum AuditTwinHistory: String, CaseIterable, CustomTestStringConvertible {
    case edges, random11, random12

    var testDescription: String { rawValue }

    func make() async throws -> QueryTwinHistory {
        switch self {
        case .edges: try await QueryTwinHistory.make { try AuditEdgeHistory.record(on: $0) }
        case .random11: try await QueryTwinHistory.make(seed: 11)
        case .random12: try await QueryTwinHistory.make(seed: 12)
        }
    }

    /// The moments to ask about in `twin`: its own, plus before the first and long after the last.
    func moments(of twin: QueryTwinHistory) -> [Date] {
        switch self {
        case .edges: AuditEdgeHistory.moments
        case .random11, .random12:
            [QueryTwinHistory.base.addingTimeInterval(-60)] + twin.moments
                + [twin.moments.last!.addingTimeInterval(45), QueryTwinHistory.base.addingTimeInterval(40 * 86_400)]
        }
    }
}
