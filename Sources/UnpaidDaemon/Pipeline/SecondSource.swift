import BillingAPI
import UnpaidCore

/// `GetOrderAmount` as the pipeline's second source: every failure becomes a reading
/// that says why, since the second source must never fail a snapshot.
struct SecondSource: Sendable {
    let client: BillingAPIClient

    func read(_ query: UnpaidOrdersQuery) async -> AmountReading {
        do {
            return .answered(try await client.getOrderAmount(query))
        } catch {
            return .unavailable(AmountUnavailable(reason: "GetOrderAmount: \(error)", actionRefused: error.isUnknownAction,
                                                  requestID: error.requestUUID))
        }
    }
}
